"""Checkpoints: ``save(obj, path)`` and ``load(path, map_location=None)``.

Holds: save, load, CheckpointError.

What can be saved: nested dicts (any keys that are str, int, float, bool, None or tuples of
those), lists and tuples of Tensors, NumPy arrays, numbers, strings, bools and None -- such as
``{'model': model.state_dict(), 'optim': optimizer.state_dict(), 'epoch': 3}``.

The file format is one ``.npz`` archive (NumPy's zip of ``.npy`` arrays):

    __minigrad__   a JSON string: {"format": "minigrad-checkpoint", "version": 1, "root": ...},
                   the structure of the saved object, where every tensor is a reference such
                   as {"tensor": "t0", "device": "cpu", "requires_grad": false}
    t0, t1, ...    the arrays of the tensors, in their own dtype and shape

Two promises, both from DESIGN.md:
  * loading can never run code: the archive is read with ``allow_pickle=False`` and the
    structure is JSON, so a file holding pickled objects is refused with a CheckpointError;
  * a crash in the middle of ``save`` never corrupts an existing checkpoint: the archive is
    written to a temporary file in the same directory, flushed to disk, and only then renamed
    over the old file with ``os.replace`` (atomic on POSIX and Windows).
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from collections import OrderedDict

import numpy as np

from . import backend
from .tensor import Tensor

__all__ = ["save", "load", "CheckpointError"]

_FORMAT = "minigrad-checkpoint"
_VERSION = 1
_HEADER_KEY = "__minigrad__"


class CheckpointError(ValueError):
    """A file that is not a readable minigrad checkpoint (truncated, foreign or pickled)."""


# ---------------------------------------------------------------------------------------------
# Encoding: Python objects -> JSON structure + arrays
# ---------------------------------------------------------------------------------------------


class _Encoder:
    """Turns an object into a JSON-able tree, collecting arrays in ``self.arrays``.

    Every node of the tree is tagged, so decoding never has to guess:
        plain JSON value            str, int, float, bool, None
        {"dict": [[key, value], ...]}   (keys encoded like values, so int keys stay ints)
        {"odict": [[key, value], ...]}  an OrderedDict (state dicts)
        {"list": [...]}, {"tuple": [...]}
        {"tensor": name, "device": ..., "requires_grad": ..., "parameter": ...}
        {"ndarray": name}, {"npscalar": name}
    """

    def __init__(self):
        self.arrays = {}
        self.names_by_id = {}  # a tensor stored twice is written once

    def _store(self, array) -> str:
        name = f"t{len(self.arrays)}"
        self.arrays[name] = backend.to_device(array, "cpu")
        return name

    def encode(self, obj, where: str):
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, (int, float)):
            return obj
        if isinstance(obj, Tensor):
            return self._encode_tensor(obj)
        if isinstance(obj, np.ndarray):
            if obj.dtype.kind == "O":
                raise TypeError(f"save: object arrays cannot be saved (at {where})")
            return {"ndarray": self._store(obj)}
        if isinstance(obj, np.generic):
            return {"npscalar": self._store(np.asarray(obj))}
        if isinstance(obj, dict):
            tag = "odict" if isinstance(obj, OrderedDict) else "dict"
            items = []
            for key, value in obj.items():
                encoded_value = self.encode(value, f"{where}[{key!r}]")
                items.append([self._encode_key(key, where), encoded_value])
            return {tag: items}
        if isinstance(obj, (list, tuple)):
            tag = "tuple" if isinstance(obj, tuple) else "list"
            return {tag: [self.encode(item, f"{where}[{i}]") for i, item in enumerate(obj)]}
        raise TypeError(f"save: cannot store an object of type {type(obj).__name__} (at {where}); "
                        "checkpoints hold dicts, lists, tuples, Tensors, NumPy arrays, numbers, "
                        "strings, bools and None")

    def _encode_key(self, key, where: str):
        if key is None or isinstance(key, (bool, str, int, float)):
            return key
        if isinstance(key, tuple):
            return {"tuple": [self._encode_key(k, where) for k in key]}
        raise TypeError(f"save: dict key {key!r} of type {type(key).__name__} cannot be stored "
                        f"(at {where}); use str, int, float, bool, None or tuples of those")

    def _encode_tensor(self, tensor: Tensor) -> dict:
        from .nn.module import Parameter

        name = self.names_by_id.get(id(tensor))
        if name is None:
            name = self._store(tensor.data)
            self.names_by_id[id(tensor)] = name
        return {"tensor": name, "device": str(tensor.device),
                "requires_grad": bool(tensor.requires_grad),
                "parameter": isinstance(tensor, Parameter)}


def save(obj, path) -> None:
    """Write ``obj`` to ``path`` (a file name or path; a binary file object also works) as a
    ``.npz`` checkpoint, atomically: the old file at ``path`` stays intact until the new one
    is completely written.

    >>> import os, tempfile, minigrad
    >>> path = os.path.join(tempfile.mkdtemp(), "ckpt.npz")
    >>> save({"w": minigrad.ones(2), "step": 3, "lrs": {0: 0.1}}, path)
    >>> load(path)
    {'w': tensor([1., 1.]), 'step': 3, 'lrs': {0: 0.1}}
    """
    encoder = _Encoder()
    root = encoder.encode(obj, "obj")
    header = json.dumps({"format": _FORMAT, "version": _VERSION, "root": root})
    arrays = dict(encoder.arrays)
    arrays[_HEADER_KEY] = np.array(header)
    if hasattr(path, "write"):
        np.savez(path, **arrays)
        return
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(handle, "wb") as file:
            np.savez(file, **arrays)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


# ---------------------------------------------------------------------------------------------
# Decoding: JSON structure + arrays -> Python objects
# ---------------------------------------------------------------------------------------------


def _target_device(saved: str, map_location):
    """Where a tensor saved on ``saved`` goes: map_location may be None (where it was), a
    device/str (everything there) or a dict {saved device: new device}."""
    if map_location is None:
        return saved
    if isinstance(map_location, dict):
        return map_location.get(saved, saved)
    return str(backend.as_device(map_location))


class _Decoder:
    def __init__(self, archive, map_location, source: str):
        self.archive = archive
        self.map_location = map_location
        self.source = source
        self.tensors = {}  # name -> Tensor, so a tensor stored once comes back as one object

    def _array(self, name):
        if not isinstance(name, str) or name not in self.archive.files or name == _HEADER_KEY:
            raise CheckpointError(f"load: {self.source} refers to a missing array {name!r} "
                                  "(the file is damaged)")
        try:
            return self.archive[name]
        except ValueError as error:  # an object array: would need pickle
            raise CheckpointError(f"load: {self.source} contains pickled objects, which "
                                  f"minigrad refuses to load (loading them could run code): "
                                  f"{error}") from None
        except (OSError, zipfile.BadZipFile, EOFError) as error:
            raise CheckpointError(f"load: {self.source} is damaged or truncated: "
                                  f"{error}") from None

    def decode(self, node):
        if node is None or isinstance(node, (bool, str, int, float)):
            return node
        if isinstance(node, list):
            raise CheckpointError(f"load: {self.source} has an untagged list in its structure")
        if not isinstance(node, dict) or len(node) == 0:
            raise CheckpointError(f"load: {self.source} has an unknown node {node!r}")
        if "tensor" in node:
            return self._decode_tensor(node)
        if "ndarray" in node:
            return self._array(node["ndarray"])
        if "npscalar" in node:
            return self._array(node["npscalar"])[()]
        if len(node) != 1:
            raise CheckpointError(f"load: {self.source} has a malformed node {node!r}")
        tag, body = next(iter(node.items()))
        if tag in ("dict", "odict"):
            result = OrderedDict() if tag == "odict" else {}
            for key, value in body:
                result[self._decode_key(key)] = self.decode(value)
            return result
        if tag == "list":
            return [self.decode(item) for item in body]
        if tag == "tuple":
            return tuple(self.decode(item) for item in body)
        raise CheckpointError(f"load: {self.source} has an unknown node type {tag!r}")

    def _decode_key(self, key):
        if isinstance(key, dict) and "tuple" in key:
            return tuple(self._decode_key(k) for k in key["tuple"])
        return key

    def _decode_tensor(self, node) -> Tensor:
        name = node["tensor"]
        if name in self.tensors:
            return self.tensors[name]
        array = self._array(name)
        device = _target_device(node.get("device", "cpu"), self.map_location)
        if backend.as_device(device).type == "cuda" and not backend.cuda_is_available():
            raise RuntimeError(f"load: {self.source} holds a tensor saved on {device}, but CUDA "
                               "is not available; pass map_location='cpu'")
        array = backend.to_device(array, device)
        if node.get("parameter"):
            from .nn.module import Parameter

            tensor = Parameter(array, requires_grad=bool(node.get("requires_grad", True)))
        else:
            tensor = Tensor(array, requires_grad=bool(node.get("requires_grad", False)))
        self.tensors[name] = tensor
        return tensor


def load(path, map_location=None):
    """Read a checkpoint written by ``save``.  Tensors go back to the device they were saved
    from, or to ``map_location`` ('cpu', 'cuda', a Device, or a dict such as
    {'cuda:0': 'cpu'}).  A file that is truncated, not a minigrad checkpoint, or that contains
    pickled objects raises CheckpointError; nothing in the file is ever executed."""
    source = repr(os.fspath(path)) if not hasattr(path, "read") else "the file object"
    try:
        archive = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise
    except ValueError as error:
        raise CheckpointError(f"load: {source} is not a minigrad checkpoint ({error}); minigrad "
                              "never unpickles files, since loading a pickle can run code") \
            from None
    except (OSError, EOFError, zipfile.BadZipFile) as error:
        raise CheckpointError(f"load: {source} is truncated or not a minigrad checkpoint: "
                              f"{error}") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise CheckpointError(f"load: {source} is a single .npy array, not a minigrad checkpoint")
    with archive:
        if _HEADER_KEY not in archive.files:
            raise CheckpointError(f"load: {source} is an .npz archive but not a minigrad "
                                  f"checkpoint (no '{_HEADER_KEY}' entry)")
        decoder = _Decoder(archive, map_location, source)
        header_array = _read_header(archive, source)
        try:
            header = json.loads(str(header_array))
        except json.JSONDecodeError as error:
            raise CheckpointError(f"load: {source} has a damaged header: {error}") from None
        if not isinstance(header, dict) or header.get("format") != _FORMAT:
            raise CheckpointError(f"load: {source} is not a minigrad checkpoint (bad header)")
        if header.get("version") != _VERSION:
            raise CheckpointError(f"load: {source} has checkpoint format version "
                                  f"{header.get('version')!r}; this minigrad reads version "
                                  f"{_VERSION}")
        return decoder.decode(header.get("root"))


def _read_header(archive, source: str):
    try:
        header = archive[_HEADER_KEY]
    except ValueError as error:
        raise CheckpointError(f"load: {source} contains pickled objects, which minigrad refuses "
                              f"to load (loading them could run code): {error}") from None
    except (OSError, zipfile.BadZipFile, EOFError) as error:
        raise CheckpointError(f"load: {source} is damaged or truncated: {error}") from None
    if header.dtype.kind != "U" or header.ndim != 0:
        raise CheckpointError(f"load: {source} has a header of dtype {header.dtype}, expected "
                              "a JSON string")
    return header
