"""Run the CUDA kernels of kernels/ on the CPU: compile a .cu file with g++ and a shim header,
call its kernels through ctypes on NumPy arrays.

How it works:
    1. ``kernels/cpu_shim.h`` defines the CUDA keywords away and the launch indices
       (threadIdx, blockIdx, blockDim, gridDim) as thread-local globals.
    2. ``build(stem)`` reads every ``extern "C" __global__ void name(args)`` of
       ``kernels/<stem>.cu`` and writes, for each, a C launcher ``launch_name(grid, block,
       args)`` that sets the indices and calls the kernel once per (block, thread), serially.
       The .cu file, the shim and the launchers are compiled into one shared library (cached
       in the temp folder by the hash of their text).
    3. ``cpu_launcher`` has the signature of ``minigrad.cuda_kernels.launcher``: tests install
       it in place of the GPU launcher, so the very launchers the GPU uses (argument order,
       scalar types, output shapes) run here on NumPy arrays.

Serial execution is exact for kernels whose threads are independent (each writes its own
outputs, or adds with atomicAdd); kernels that need __syncthreads cannot run this way.
"""

from __future__ import annotations

import ctypes
import hashlib
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

KERNELS = Path(__file__).resolve().parents[2] / "kernels"
GRID, BLOCK = 3, 32  # small, so every grid-stride loop runs more than one round

_SIGNATURE = re.compile(r'extern "C" __global__ void (\w+)\s*\(([^)]*)\)')
_C_TYPES = {"float": ctypes.c_float, "double": ctypes.c_double, "int": ctypes.c_int,
            "long long": ctypes.c_longlong}
_libraries: dict[str, tuple] = {}


def compiler() -> str | None:
    """The host C++ compiler, or None when there is none."""
    return shutil.which("g++")


def signatures(source: str) -> dict[str, list[tuple[str, str]]]:
    """kernel name -> [(C type, parameter name), ...] for every extern "C" kernel."""
    found = {}
    for name, params in _SIGNATURE.findall(source):
        parsed = []
        for param in params.split(","):
            words = param.split()
            parsed.append((" ".join(words[:-1]), words[-1]))
        found[name] = parsed
    return found


def _launchers(kernels: dict) -> str:
    lines = []
    for name, params in kernels.items():
        declared = ", ".join(f"{ctype} {pname}" for ctype, pname in params)
        passed = ", ".join(pname for _, pname in params)
        lines.append(f'extern "C" void launch_{name}(unsigned int grid, unsigned int block, '
                     f"{declared})\n{{\n    SHIM_LAUNCH_1D(grid, block, {name}({passed}));\n}}\n")
    return "\n".join(lines)


def build(stem: str):
    """(ctypes library, signatures) of kernels/<stem>.cu compiled for the CPU."""
    if stem in _libraries:
        return _libraries[stem]
    source = (KERNELS / f"{stem}.cu").read_text()
    shim = (KERNELS / "cpu_shim.h").read_text()
    kernels = signatures(source)
    program = f'#include "cpu_shim.h"\n#include "{stem}.cu"\n\n' + _launchers(kernels)
    digest = hashlib.sha256((source + shim + program).encode()).hexdigest()[:16]
    folder = Path(tempfile.gettempdir()) / "minigrad-cpu-kernels"
    folder.mkdir(exist_ok=True)
    library = folder / f"{stem}-{digest}.so"
    if not library.exists():
        program_file = folder / f"{stem}-{digest}.cpp"
        program_file.write_text(program)
        partial = folder / f"{stem}-{digest}.so.partial"
        subprocess.run([compiler(), "-std=c++17", "-O1", "-ffp-contract=off", "-Wall",
                        "-Werror", "-fPIC", "-shared", "-I", str(KERNELS), str(program_file),
                        "-o", str(partial)], check=True, capture_output=True, text=True)
        partial.replace(library)  # atomic: a parallel run never loads a half-written file
    loaded = ctypes.CDLL(str(library))
    for name, params in kernels.items():
        function = getattr(loaded, f"launch_{name}")
        function.restype = None
        function.argtypes = [ctypes.c_uint, ctypes.c_uint] + [
            ctypes.c_void_p if ctype.endswith("*") else _C_TYPES[ctype.replace("const ", "")]
            for ctype, _ in params]
    _libraries[stem] = (loaded, kernels)
    return _libraries[stem]


def _argument(value, ctype: str):
    if ctype.endswith("*"):
        # the address of element 0; a wrong layout shows up as a wrong result in the tests
        if not isinstance(value, np.ndarray):
            raise TypeError(f"kernel pointer argument needs an ndarray, got "
                            f"{type(value).__name__}")
        return value.ctypes.data
    if "float" in ctype or "double" in ctype:
        return float(value)
    return int(value)


def call(stem: str, name: str, args: tuple, grid: int = GRID, block: int = BLOCK) -> None:
    """Run kernel ``name`` of kernels/<stem>.cu serially over a grid x block launch."""
    loaded, kernels = build(stem)
    params = kernels[name]
    if len(params) != len(args):
        raise TypeError(f"{name} takes {len(params)} arguments, got {len(args)}")
    for value, (ctype, pname) in zip(args, params):
        if ctype.endswith("*") and "long long" not in ctype:
            expected = np.float32 if ctype.startswith(("float", "const float")) else np.float64
            if value.dtype != expected:
                raise TypeError(f"{name}: {pname} must be {np.dtype(expected)}, got "
                                f"{value.dtype}")
        if "long long*" in ctype and value.dtype != np.int64:
            raise TypeError(f"{name}: {pname} must be int64, got {value.dtype}")
    converted = [_argument(value, ctype) for value, (ctype, _) in zip(args, params)]
    getattr(loaded, f"launch_{name}")(grid, block, *converted)


def cpu_launcher(stem: str, name: str, count: int, args: tuple) -> None:
    """Drop-in for ``minigrad.cuda_kernels.launcher``: the same call, run on the CPU."""
    call(stem, name, args)
