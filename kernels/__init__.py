"""CUDA C sources compiled at run time by the CuPy backend (installed as ``minigrad.kernels``)."""
