"""The one seam between NumPy (CPU) and CuPy (NVIDIA GPU).

Nothing else in minigrad imports CuPy or asks which array library an array belongs to: every
other module calls the helpers below.  CuPy is imported lazily, the first time a CUDA device is
asked for, so ``import minigrad`` works (and stays fast) with or without CuPy installed.

Holds:
    Device                  -- ``cpu`` or ``cuda:N``; strings are accepted wherever a device is
    as_device(d)            -- str | Device | None -> Device
    cupy_module()           -- the cupy module, or None when it cannot be used
    cuda_is_available(), cuda_device_count(), cuda_synchronize()
    array_module(device)    -- numpy or cupy for a device
    get_array_module(array) -- numpy or cupy for an array
    device_of(array)        -- the Device an array lives on
    to_device(array, device)
    manual_seed(seed), generator(device) -- one random generator per device
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "Device",
    "as_device",
    "cupy_module",
    "cuda_is_available",
    "cuda_device_count",
    "cuda_synchronize",
    "array_module",
    "get_array_module",
    "device_of",
    "to_device",
    "manual_seed",
    "initial_seed",
    "generator",
]


# ---------------------------------------------------------------------------------------------
# Devices
# ---------------------------------------------------------------------------------------------


class Device:
    """Where a tensor's memory lives: ``Device('cpu')``, ``Device('cuda')``, ``Device('cuda:1')``.

    ``type`` is ``'cpu'`` or ``'cuda'``; ``index`` is the GPU number (always an int for CUDA).
    """

    __slots__ = ("type", "index")

    def __init__(self, spec: str | Device = "cpu", index: int | None = None):
        if isinstance(spec, Device):
            self.type, self.index = spec.type, spec.index
            return
        if not isinstance(spec, str):
            raise TypeError(f"device must be a str or Device, got {type(spec).__name__}")
        kind, colon, number = spec.partition(":")
        if kind not in ("cpu", "cuda"):
            raise ValueError(f"unknown device {spec!r}: expected 'cpu', 'cuda' or 'cuda:N'")
        if colon:
            if not (number.isascii() and number.isdigit()):
                raise ValueError(f"bad device index in {spec!r}: expected 'cuda:N' with N >= 0")
            index = int(number)
        if kind == "cpu":
            if index not in (None, 0):
                raise ValueError(f"device 'cpu' takes no index, got {spec!r}")
            index = None
        elif index is None:
            index = 0
        self.type = kind
        self.index = index

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            try:
                other = Device(other)
            except ValueError:
                return False  # not a device name: unequal, as comparing with any other string
        if not isinstance(other, Device):
            return NotImplemented
        return self.type == other.type and self.index == other.index

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __str__(self) -> str:
        return "cpu" if self.type == "cpu" else f"cuda:{self.index}"

    def __repr__(self) -> str:
        if self.type == "cpu":
            return "device(type='cpu')"
        return f"device(type='cuda', index={self.index})"


CPU = Device("cpu")


def as_device(device: str | Device | None) -> Device:
    """Turn ``None`` (meaning cpu), a string or a Device into a Device."""
    if device is None:
        return CPU
    if isinstance(device, Device):
        return device
    return Device(device)


# ---------------------------------------------------------------------------------------------
# CuPy, imported lazily
# ---------------------------------------------------------------------------------------------

_cupy = None
_cupy_checked = False
_cuda_usable = False


def cupy_module():
    """Return the ``cupy`` module if it imports and a GPU answers, else ``None``.

    With CuPy installed but no usable GPU (no driver: CuPy raises ``cudaErrorInsufficientDriver``
    on the first device query) this returns None instead of raising.
    """
    global _cupy, _cupy_checked, _cuda_usable
    if not _cupy_checked:
        _cupy_checked = True
        try:
            import cupy

            _cuda_usable = cupy.cuda.runtime.getDeviceCount() > 0
            _cupy = cupy
        except Exception:  # ImportError, or a CUDA runtime error when no driver/GPU is present
            _cupy = None
            _cuda_usable = False
    return _cupy if _cuda_usable else None


def cuda_is_available() -> bool:
    """True when CuPy is installed and at least one GPU can be used."""
    return cupy_module() is not None


def cuda_device_count() -> int:
    """Number of usable GPUs (0 without CuPy or without a driver)."""
    cupy = cupy_module()
    return 0 if cupy is None else cupy.cuda.runtime.getDeviceCount()


def cuda_synchronize(device: str | Device | None = None) -> None:
    """Wait until every kernel queued on the GPU has finished (a no-op without CUDA)."""
    cupy = cupy_module()
    if cupy is None:
        return
    device = as_device(device if device is not None else "cuda")
    with cupy.cuda.Device(device.index):
        cupy.cuda.Device().synchronize()


def _require_cupy(what: str):
    cupy = cupy_module()
    if cupy is None:
        raise RuntimeError(
            f"{what} needs CUDA, but minigrad.cuda.is_available() is False "
            "(install the 'cuda' extra and run on a machine with an NVIDIA GPU and driver)"
        )
    return cupy


# ---------------------------------------------------------------------------------------------
# Arrays and devices
# ---------------------------------------------------------------------------------------------


def array_module(device: str | Device | None):
    """numpy for ``cpu``, cupy for ``cuda``."""
    device = as_device(device)
    if device.type == "cpu":
        return np
    return _require_cupy(f"device {device}")


def get_array_module(array):
    """numpy or cupy, whichever the array belongs to (numpy for anything but a CuPy array)."""
    if isinstance(array, np.ndarray) or _cupy is None:
        return np
    return _cupy if isinstance(array, _cupy.ndarray) else np


def is_cuda_array(array) -> bool:
    """True for a CuPy array."""
    return _cupy is not None and isinstance(array, _cupy.ndarray)


def device_of(array) -> Device:
    """The Device an array lives on."""
    if isinstance(array, np.ndarray) or not is_cuda_array(array):
        return CPU
    return Device("cuda", array.device.id)


def to_device(array, device: str | Device | None):
    """Copy ``array`` to ``device`` (returned as it is when it is already there)."""
    device = as_device(device)
    if device.type == "cpu":
        if is_cuda_array(array):
            return array.get()
        return array
    cupy = _require_cupy(f"moving a tensor to {device}")
    if is_cuda_array(array) and array.device.id == device.index:
        return array
    with cupy.cuda.Device(device.index):
        return cupy.asarray(array)


def same_device(a, b) -> bool:
    """True when two arrays live on the same device."""
    if not is_cuda_array(a) and not is_cuda_array(b):
        return True
    return device_of(a) == device_of(b)


# ---------------------------------------------------------------------------------------------
# Random numbers: one generator per device, all seeded by manual_seed
# ---------------------------------------------------------------------------------------------

_DEFAULT_SEED = 0
_seed = _DEFAULT_SEED
_generators: dict[Device, object] = {}


def manual_seed(seed: int) -> None:
    """Seed every device's generator, so a seeded run is reproducible bit for bit."""
    global _seed
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"manual_seed expects an int, got {type(seed).__name__}")
    _seed = int(seed)
    _generators.clear()


def initial_seed() -> int:
    """The seed last given to manual_seed (0 by default)."""
    return _seed


def generator(device: str | Device | None = None):
    """The random generator of a device: a ``numpy.random.Generator`` on the CPU and a
    ``cupy.random.Generator`` on a GPU.  Both have the same methods (random, standard_normal,
    integers, ...), so random ops are written once."""
    device = as_device(device)
    found = _generators.get(device)
    if found is None:
        if device.type == "cpu":
            found = np.random.Generator(np.random.PCG64(_seed))
        else:
            cupy = _require_cupy(f"random numbers on {device}")
            with cupy.cuda.Device(device.index):
                found = cupy.random.Generator(cupy.random.XORWOW(_seed))
        _generators[device] = found
    return found
