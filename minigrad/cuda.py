"""``minigrad.cuda``: ask whether a GPU can be used (all answers come from backend.py).

>>> import minigrad
>>> isinstance(minigrad.cuda.is_available(), bool)
True
"""

from __future__ import annotations

from . import backend


def is_available() -> bool:
    """True when CuPy is installed and an NVIDIA GPU with a working driver is present."""
    return backend.cuda_is_available()


def device_count() -> int:
    """How many GPUs CuPy can use (0 without one)."""
    return backend.cuda_device_count()


def synchronize(device=None) -> None:
    """Block until all queued GPU work has finished (needed before timing GPU code)."""
    backend.cuda_synchronize(device)


def manual_seed(seed: int) -> None:
    """Seed the generators (shared with ``minigrad.manual_seed``)."""
    backend.manual_seed(seed)
