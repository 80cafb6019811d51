"""A small PNG writer and reader (no dependencies beyond NumPy and zlib), and image tiling.

Holds:
    write_png(path, pixels)       -- save uint8 pixels (H, W) grey or (H, W, 3) RGB as a PNG file
    read_png(path)                -- read back an 8-bit grey or RGB PNG (non-interlaced)
    tile_images(images, ncols=8)  -- arrange N images in a grid with a 2-pixel border -> one image
    to_uint8(images)              -- scale float images to 0..255 (by their own min and max)

A PNG file is the 8-byte signature followed by chunks, each ``length (4 bytes, big-endian) |
type (4 ASCII bytes) | data | CRC-32 of type + data``.  ``IHDR`` gives width, height, bit depth 8
and colour type (0 grey, 2 RGB); ``IDAT`` holds the zlib-compressed rows, each prefixed by a
filter byte (this writer uses filter 0, "None"); ``IEND`` ends the file.  The reader undoes all
five filters, so it also reads PNGs written by other programs (8-bit grey/RGB/RGBA, no interlace).

>>> import numpy as np, tempfile, os
>>> pixels = np.arange(12, dtype=np.uint8).reshape(3, 4) * 20
>>> path = os.path.join(tempfile.mkdtemp(), "tiny.png")
>>> write_png(path, pixels)
>>> bool((read_png(path) == pixels).all())
True
"""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

import numpy as np

__all__ = ["write_png", "read_png", "tile_images", "to_uint8"]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
GREY, RGB, RGBA = 0, 2, 6
CHANNELS = {GREY: 1, RGB: 3, RGBA: 4}


def _chunk(chunk_type: bytes, data: bytes) -> bytes:
    checksum = zlib.crc32(chunk_type + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + chunk_type + data + struct.pack(">I", checksum)


def write_png(path: str | os.PathLike, pixels: np.ndarray) -> None:
    """Write ``pixels``, uint8 of shape (H, W) (grey) or (H, W, 3) (RGB), to ``path`` as PNG."""
    pixels = np.asarray(pixels)
    if pixels.dtype != np.uint8:
        raise TypeError(f"write_png: pixels must be uint8, got {pixels.dtype} (see to_uint8)")
    if pixels.ndim == 2:
        colour_type = GREY
    elif pixels.ndim == 3 and pixels.shape[2] == 3:
        colour_type = RGB
    else:
        raise ValueError(f"write_png: pixels must have shape (H, W) or (H, W, 3), got "
                         f"{pixels.shape}")
    height, width = pixels.shape[:2]
    rows = pixels.reshape(height, -1)
    filtered = np.zeros((height, rows.shape[1] + 1), dtype=np.uint8)  # column 0: filter "None"
    filtered[:, 1:] = rows
    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    data = (PNG_SIGNATURE + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(filtered.tobytes(), 9)) + _chunk(b"IEND", b""))
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_bytes(data)


def _paeth(left: int, up: int, up_left: int) -> int:
    estimate = left + up - up_left
    distances = (abs(estimate - left), abs(estimate - up), abs(estimate - up_left))
    if distances[0] <= distances[1] and distances[0] <= distances[2]:
        return left
    if distances[1] <= distances[2]:
        return up
    return up_left


def read_png(path: str | os.PathLike) -> np.ndarray:
    """The pixels of an 8-bit, non-interlaced grey (H, W), RGB (H, W, 3) or RGBA (H, W, 4) PNG."""
    data = Path(path).read_bytes()
    if data[:8] != PNG_SIGNATURE:
        raise ValueError(f"read_png: {path} is not a PNG file (bad signature)")
    position, compressed, header = 8, b"", None
    while position < len(data):
        (length,) = struct.unpack(">I", data[position:position + 4])
        chunk_type = data[position + 4:position + 8]
        body = data[position + 8:position + 8 + length]
        (checksum,) = struct.unpack(">I", data[position + 8 + length:position + 12 + length])
        if zlib.crc32(chunk_type + body) & 0xFFFFFFFF != checksum:
            raise ValueError(f"read_png: CRC mismatch in chunk {chunk_type!r} of {path}")
        if chunk_type == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif chunk_type == b"IDAT":
            compressed += body
        elif chunk_type == b"IEND":
            break
        position += 12 + length
    if header is None:
        raise ValueError(f"read_png: {path} has no IHDR chunk")
    width, height, bit_depth, colour_type, _, _, interlace = header
    if bit_depth != 8 or colour_type not in CHANNELS or interlace != 0:
        raise ValueError(f"read_png: only 8-bit non-interlaced grey/RGB/RGBA is supported, got "
                         f"bit depth {bit_depth}, colour type {colour_type}, interlace {interlace}")
    channels = CHANNELS[colour_type]
    stride = width * channels
    raw = np.frombuffer(zlib.decompress(compressed), dtype=np.uint8).reshape(height, stride + 1)
    pixels = np.zeros((height, stride), dtype=np.int64)
    previous = np.zeros(stride, dtype=np.int64)
    for y in range(height):
        filter_type, row = raw[y, 0], raw[y, 1:].astype(np.int64)
        if filter_type == 0:                                   # None
            current = row
        elif filter_type == 2:                                 # Up
            current = (row + previous) % 256
        else:                                                  # Sub, Average, Paeth: per byte
            current = np.zeros(stride, dtype=np.int64)
            for x in range(stride):
                left = current[x - channels] if x >= channels else 0
                up_left = previous[x - channels] if x >= channels else 0
                if filter_type == 1:
                    predictor = left
                elif filter_type == 3:
                    predictor = (left + previous[x]) // 2
                elif filter_type == 4:
                    predictor = _paeth(left, previous[x], up_left)
                else:
                    raise ValueError(f"read_png: unknown filter type {filter_type} in {path}")
                current[x] = (row[x] + predictor) % 256
        pixels[y] = current
        previous = current
    pixels = pixels.astype(np.uint8)
    return pixels if channels == 1 else pixels.reshape(height, width, channels)


def to_uint8(images: np.ndarray) -> np.ndarray:
    """Float (or integer) images scaled to uint8 0..255: values in [0, 1] are multiplied by 255,
    anything else is stretched from its own minimum to its maximum."""
    images = np.asarray(images)
    if images.dtype == np.uint8:
        return images
    images = images.astype(np.float64)
    low, high = float(images.min(initial=0.0)), float(images.max(initial=1.0))
    if low >= 0.0 and high <= 1.0:
        low, high = 0.0, 1.0
    scaled = (images - low) / max(high - low, 1e-12)
    return np.clip(np.round(scaled * 255.0), 0, 255).astype(np.uint8)


def tile_images(images: np.ndarray, ncols: int = 8, padding: int = 2) -> np.ndarray:
    """Arrange ``images`` (N, H, W) or (N, H, W, 3) in rows of ``ncols`` with ``padding`` pixels
    of white between them; returns one image (rows*(H+p)+p, ncols*(W+p)+p[, 3])."""
    images = np.asarray(images)
    count, height, width = images.shape[:3]
    ncols = max(1, min(ncols, count))
    nrows = -(-count // ncols)
    fill = 255 if images.dtype == np.uint8 else images.max(initial=1.0)
    grid = np.full((nrows * (height + padding) + padding, ncols * (width + padding) + padding)
                   + images.shape[3:], fill, dtype=images.dtype)
    for index in range(count):
        row, column = divmod(index, ncols)
        top = padding + row * (height + padding)
        left = padding + column * (width + padding)
        grid[top:top + height, left:left + width] = images[index]
    return grid
