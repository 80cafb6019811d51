"""read_idx / write_idx: round trips, the byte layout, gzip, and bad files named in errors."""

import gzip
import struct

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from minigrad.data import read_idx, write_idx

IDX_DTYPES = [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64]


@given(array=st.sampled_from(IDX_DTYPES).flatmap(
    lambda dtype: hnp.arrays(dtype, hnp.array_shapes(min_dims=0, max_dims=4, min_side=0,
                                                     max_side=5))),
       compressed=st.booleans())
def test_round_trip(tmp_path_factory, array, compressed):
    path = tmp_path_factory.mktemp("idx") / ("a-idx.gz" if compressed else "a-idx")
    write_idx(path, array)
    back = read_idx(path)
    assert back.dtype == array.dtype and back.shape == array.shape
    np.testing.assert_array_equal(back, array)  # NaN == NaN for float arrays here
    assert back.dtype.isnative and back.flags.writeable


def test_byte_layout_matches_the_mnist_format(tmp_path):
    # written by hand: magic 0x00000803, dims 2 x 2 x 3 big-endian, then the bytes
    pixels = bytes(range(12))
    raw = b"\x00\x00\x08\x03" + struct.pack(">III", 2, 2, 3) + pixels
    (tmp_path / "images-idx3-ubyte").write_bytes(raw)
    images = read_idx(tmp_path / "images-idx3-ubyte", magic=2051)
    np.testing.assert_array_equal(images, np.arange(12, dtype=np.uint8).reshape(2, 2, 3))
    # and write_idx writes exactly these bytes
    write_idx(tmp_path / "again", images)
    assert (tmp_path / "again").read_bytes() == raw
    # multi-byte types are big-endian: int32 258 is 00 00 01 02
    write_idx(tmp_path / "ints", np.array([258], dtype=np.int32))
    assert (tmp_path / "ints").read_bytes() == b"\x00\x00\x0c\x01" + b"\x00\x00\x00\x01" + \
        b"\x00\x00\x01\x02"


def test_gzip_is_recognised_by_content_and_deterministic(tmp_path):
    array = np.arange(10, dtype=np.uint8)
    write_idx(tmp_path / "labels.gz", array)
    first = (tmp_path / "labels.gz").read_bytes()
    assert first[:2] == b"\x1f\x8b"
    assert gzip.decompress(first)[:4] == b"\x00\x00\x08\x01"
    (tmp_path / "renamed-without-suffix").write_bytes(first)
    np.testing.assert_array_equal(read_idx(tmp_path / "renamed-without-suffix"), array)
    write_idx(tmp_path / "labels.gz", array)
    assert (tmp_path / "labels.gz").read_bytes() == first  # no time stamp in the header


def test_truncated_file_names_the_file(tmp_path):
    path = tmp_path / "short-idx1-ubyte"
    write_idx(path, np.arange(100, dtype=np.uint8))
    path.write_bytes(path.read_bytes()[:60])
    with pytest.raises(ValueError, match=r"short-idx1-ubyte: truncated IDX file: shape \(100,\)"
                                         r" of uint8 needs 100 bytes of data, found 52"):
        read_idx(path)
    header_only = tmp_path / "header-idx3"
    header_only.write_bytes(b"\x00\x00\x08\x03\x00\x00")
    with pytest.raises(ValueError, match="header-idx3: truncated IDX header"):
        read_idx(header_only)
    tiny = tmp_path / "tiny"
    tiny.write_bytes(b"\x00\x00")
    with pytest.raises(ValueError, match="tiny: truncated IDX file"):
        read_idx(tiny)


def test_truncated_gzip_names_the_file(tmp_path):
    path = tmp_path / "cut-images.gz"
    write_idx(path, np.arange(1000, dtype=np.int32))
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(ValueError, match="cut-images.gz: damaged or truncated gzip data"):
        read_idx(path)


def test_wrong_magic_names_the_file(tmp_path):
    labels = tmp_path / "labels-idx1-ubyte"
    write_idx(labels, np.zeros(3, dtype=np.uint8))
    with pytest.raises(ValueError, match=r"labels-idx1-ubyte: wrong magic number 2049 "
                                         r"\(0x00000801\), expected 2051"):
        read_idx(labels, magic=2051)
    text = tmp_path / "notes.txt"
    text.write_bytes(b"hello, world")
    with pytest.raises(ValueError, match=r"notes.txt: not an IDX file: magic number 0x68656C6C"):
        read_idx(text)
    unknown_type = tmp_path / "odd-type"
    unknown_type.write_bytes(b"\x00\x00\x07\x01\x00\x00\x00\x00")
    with pytest.raises(ValueError, match="odd-type: not an IDX file"):
        read_idx(unknown_type)


def test_trailing_bytes_are_an_error(tmp_path):
    path = tmp_path / "long"
    write_idx(path, np.zeros(4, dtype=np.uint8))
    path.write_bytes(path.read_bytes() + b"\x00\x00")
    with pytest.raises(ValueError, match=r"long: 2 unexpected bytes after the data"):
        read_idx(path)


def test_unsupported_dtype(tmp_path):
    with pytest.raises(TypeError, match="IDX cannot store dtype int64"):
        write_idx(tmp_path / "x", np.zeros(3, dtype=np.int64))
    assert list(tmp_path.iterdir()) == []
