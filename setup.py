"""Packaging for minigrad.  ``pip install -e .`` for the CPU, ``pip install -e ".[cuda]"`` for the
GPU (CuPy for CUDA 12), ``pip install -e ".[dev]"`` for the test tools."""

from setuptools import find_packages, setup

setup(
    name="minigrad",
    version="0.1.0",
    description="A from-scratch deep-learning framework on NumPy and CuPy, written to be read",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    python_requires=">=3.11",
    packages=find_packages(include=["minigrad", "minigrad.*"]) + ["minigrad.kernels"],
    package_dir={"minigrad.kernels": "kernels"},
    package_data={"minigrad.kernels": ["*.cu", "*.cuh", "*.h", "README.md"],
                  "minigrad": ["data/bundled/*"]},
    install_requires=["numpy>=1.24"],
    extras_require={
        "cuda": ["cupy-cuda12x>=13"],
        "plot": ["matplotlib"],
        "dev": ["pytest>=7", "hypothesis>=6.80", "ruff>=0.4"],
    },
)
