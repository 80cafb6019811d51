"""The IDX file format of MNIST and Fashion-MNIST: reading and writing, gzipped or not.

Holds:
    read_idx(path, magic=None) -> numpy array
    write_idx(path, array)     -- gzipped when the name ends in .gz; atomic (temp file + rename)
    IDX_DTYPES                 -- the type codes of the format

An IDX file is a 4-byte magic number, then one big-endian uint32 per dimension, then the data
in C order, big-endian::

    magic = 0x00 0x00 <type code> <number of dimensions>
    type codes: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64

so MNIST's image files start with 0x00000803 = 2051 (uint8, 3 dims: N x 28 x 28) and its label
files with 0x00000801 = 2049 (uint8, 1 dim: N).  A ``.gz`` file is recognised by its content
(the gzip signature 1f 8b), not by its name.
"""

from __future__ import annotations

import gzip
import os
import struct
import tempfile
import zlib
from pathlib import Path

import numpy as np

__all__ = ["read_idx", "write_idx", "IDX_DTYPES"]

# type code -> big-endian dtype of the data
IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

_GZIP_SIGNATURE = b"\x1f\x8b"


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, decompressed when it is gzipped."""
    raw = path.read_bytes()
    if not raw.startswith(_GZIP_SIGNATURE):
        return raw
    try:
        return gzip.decompress(raw)
    except (EOFError, OSError, zlib.error) as error:
        raise ValueError(f"{path}: damaged or truncated gzip data ({error})") from None


def read_idx(path: str | os.PathLike, magic: int | None = None) -> np.ndarray:
    """Read an IDX file (plain or gzipped) into a NumPy array of its dtype, in native byte order.

    ``magic``, when given, is the magic number the file must have (2051 for MNIST images, 2049
    for labels).  A bad magic number, an unknown type code or a file shorter or longer than its
    header announces raises ValueError naming the file.

    >>> import tempfile, pathlib, numpy as np
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "labels-idx1-ubyte.gz"
    >>> write_idx(path, np.array([7, 2, 1], dtype=np.uint8))
    >>> read_idx(path, magic=2049)
    array([7, 2, 1], dtype=uint8)
    """
    path = Path(path)
    data = _read_bytes(path)
    if len(data) < 4:
        raise ValueError(f"{path}: truncated IDX file ({len(data)} bytes, no 4-byte magic number)")
    zero1, zero2, code, ndim = data[0], data[1], data[2], data[3]
    found = int.from_bytes(data[:4], "big")
    if zero1 != 0 or zero2 != 0 or code not in IDX_DTYPES:
        raise ValueError(
            f"{path}: not an IDX file: magic number 0x{found:08X} (an IDX magic number is "
            f"0x0000TTNN with type code TT in {sorted(hex(c) for c in IDX_DTYPES)})"
        )
    if magic is not None and found != magic:
        raise ValueError(
            f"{path}: wrong magic number {found} (0x{found:08X}), expected {magic} "
            f"(0x{magic:08X})"
        )
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise ValueError(
            f"{path}: truncated IDX header: {ndim} dimensions need {header_size} bytes, the file "
            f"has {len(data)}"
        )
    shape = struct.unpack(f">{ndim}I", data[4:header_size])
    dtype = IDX_DTYPES[code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    found_size = len(data) - header_size
    if found_size < expected:
        raise ValueError(
            f"{path}: truncated IDX file: shape {shape} of {dtype.newbyteorder('=')} needs "
            f"{expected} bytes of data, found {found_size}"
        )
    if found_size > expected:
        raise ValueError(
            f"{path}: {found_size - expected} unexpected bytes after the data of shape {shape}"
        )
    array = np.frombuffer(data, dtype=dtype, count=expected // dtype.itemsize,
                          offset=header_size)
    return array.reshape(shape).astype(dtype.newbyteorder("="))


def write_idx(path: str | os.PathLike, array) -> None:
    """Write ``array`` as an IDX file; gzipped when ``path`` ends in ``.gz``.

    Supported dtypes: uint8, int8, int16, int32, float32, float64 (TypeError otherwise).  The
    file is written to a temporary name and renamed into place, so a crash never leaves half a
    file.  The gzip header carries no time stamp: the same array always gives the same bytes.
    """
    path = Path(path)
    array = np.asarray(array)
    native_to_code = {dtype.newbyteorder("="): code for code, dtype in IDX_DTYPES.items()}
    code = native_to_code.get(array.dtype.newbyteorder("="))
    if code is None:
        raise TypeError(
            f"write_idx: IDX cannot store dtype {array.dtype}; use one of uint8, int8, int16, "
            "int32, float32, float64"
        )
    if array.ndim > 255:
        raise ValueError(f"write_idx: IDX stores at most 255 dimensions, got {array.ndim}")
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    payload = header + np.ascontiguousarray(array, dtype=IDX_DTYPES[code]).tobytes()
    if path.name.endswith(".gz"):
        payload = gzip.compress(payload, compresslevel=9, mtime=0)
    atomic_write_bytes(path, payload)


def atomic_write_bytes(path: Path, payload: bytes) -> None:
    """Write ``payload`` to ``path`` through a temporary file in the same folder + rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as temp:
            temp.write(payload)
            temp.flush()
            os.fsync(temp.fileno())
        os.replace(temp_name, path)
    except BaseException:
        if os.path.exists(temp_name):
            os.remove(temp_name)
        raise
