"""The PNG writer/reader: byte layout from the PNG specification, round trips, other filters."""

import struct
import zlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from minigrad.utils.png import read_png, tile_images, to_uint8, write_png


def test_bytes_of_a_one_pixel_grey_png(tmp_path):
    write_png(tmp_path / "one.png", np.array([[7]], dtype=np.uint8))
    data = (tmp_path / "one.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    # IHDR: length 13, width 1, height 1, bit depth 8, colour type 0, compression/filter/interlace 0
    assert data[8:16] == b"\x00\x00\x00\x0dIHDR"
    assert data[16:29] == bytes([0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0])
    assert data[29:33] == struct.pack(">I", zlib.crc32(data[12:29]))
    (idat_length,) = struct.unpack(">I", data[33:37])
    assert data[37:41] == b"IDAT"
    assert zlib.decompress(data[41:41 + idat_length]) == bytes([0, 7])  # filter 0, then the pixel
    assert data[-12:] == b"\x00\x00\x00\x00IEND\xaeB`\x82"


@given(hnp.arrays(np.uint8, st.tuples(st.integers(1, 9), st.integers(1, 9))
                  | st.tuples(st.integers(1, 9), st.integers(1, 9), st.just(3))))
def test_round_trip(tmp_path_factory, pixels):
    path = tmp_path_factory.mktemp("png") / "image.png"
    write_png(path, pixels)
    assert np.array_equal(read_png(path), pixels)


def _png_with_filter(pixels: np.ndarray, filter_type: int) -> bytes:
    """An RGB PNG whose rows use ``filter_type`` (1 Sub, 2 Up, 3 Average, 4 Paeth), encoded
    here directly from the specification's definitions."""
    height, width, channels = pixels.shape
    stride = width * channels
    rows = pixels.reshape(height, stride).astype(int)
    encoded = bytearray()
    for y in range(height):
        encoded.append(filter_type)
        for x in range(stride):
            left = rows[y, x - channels] if x >= channels else 0
            up = rows[y - 1, x] if y > 0 else 0
            up_left = rows[y - 1, x - channels] if (y > 0 and x >= channels) else 0
            if filter_type == 1:
                predictor = left
            elif filter_type == 2:
                predictor = up
            elif filter_type == 3:
                predictor = (left + up) // 2
            else:
                estimate = left + up - up_left
                pa, pb, pc = abs(estimate - left), abs(estimate - up), abs(estimate - up_left)
                predictor = left if (pa <= pb and pa <= pc) else (up if pb <= pc else up_left)
            encoded.append((rows[y, x] - predictor) % 256)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(bytes(encoded))) + chunk(b"IEND", b""))


@pytest.mark.parametrize("filter_type", [1, 2, 3, 4])
def test_reader_undoes_every_filter(tmp_path, filter_type):
    pixels = np.random.default_rng(filter_type).integers(0, 256, (5, 4, 3)).astype(np.uint8)
    path = tmp_path / "filtered.png"
    path.write_bytes(_png_with_filter(pixels, filter_type))
    assert np.array_equal(read_png(path), pixels)


def test_to_uint8_and_tiling():
    assert to_uint8(np.array([0.0, 0.5, 1.0])).tolist() == [0, 128, 255]
    assert to_uint8(np.array([-1.0, 0.0, 1.0])).tolist() == [0, 128, 255]   # stretched
    grid = tile_images(np.zeros((3, 2, 2), dtype=np.uint8), ncols=3, padding=1)
    assert grid.shape == (4, 10)
    assert grid[1:3, 1:3].tolist() == [[0, 0], [0, 0]] and grid[0, 0] == 255


def test_bad_input(tmp_path):
    with pytest.raises(TypeError, match="write_png: pixels must be uint8, got float64"):
        write_png(tmp_path / "x.png", np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"write_png: pixels must have shape \(H, W\) or "
                                         r"\(H, W, 3\), got \(2, 2, 4\)"):
        write_png(tmp_path / "x.png", np.zeros((2, 2, 4), dtype=np.uint8))
    (tmp_path / "not.png").write_bytes(b"hello")
    with pytest.raises(ValueError, match="is not a PNG file"):
        read_png(tmp_path / "not.png")
