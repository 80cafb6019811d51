"""The NumPy/CuPy seam: device parsing and equality, CUDA availability without a GPU, clear
errors when CUDA is asked for, seeded random generators, and mixing devices in one op."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import minigrad
from minigrad import backend
from minigrad.autograd import Function
from minigrad.backend import Device

needs_cuda = pytest.mark.skipif(not minigrad.cuda.is_available(), reason="needs a CUDA GPU")
without_cuda = pytest.mark.skipif(minigrad.cuda.is_available(), reason="a CUDA GPU is present")


# ---------------------------------------------------------------------------------------------
# Devices
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("spec, kind, index, text", [
    ("cpu", "cpu", None, "cpu"),
    ("cuda", "cuda", 0, "cuda:0"),
    ("cuda:0", "cuda", 0, "cuda:0"),
    ("cuda:1", "cuda", 1, "cuda:1"),
    ("cuda:12", "cuda", 12, "cuda:12"),
])
def test_device_parsing(spec, kind, index, text):
    device = Device(spec)
    assert device.type == kind
    assert device.index == index
    assert str(device) == text
    assert Device(device) == device
    assert backend.as_device(spec) == device


def test_device_with_explicit_index_and_repr():
    assert Device("cuda", 2) == Device("cuda:2")
    assert repr(Device("cuda:1")) == "device(type='cuda', index=1)"
    assert repr(Device("cpu")) == "device(type='cpu')"
    assert minigrad.device("cuda:3").index == 3
    assert backend.as_device(None) == "cpu"


@pytest.mark.parametrize("spec", ["gpu", "CUDA", "", "cuda:", "cuda:x", "cuda:-1", "cuda:1:2",
                                  "cpu:1", " cuda", "cuda:0.5"])
def test_bad_device_strings_raise_value_error(spec):
    with pytest.raises(ValueError, match="device"):
        Device(spec)


def test_device_of_the_wrong_type_raises_type_error():
    with pytest.raises(TypeError, match="str or Device"):
        Device(0)


def test_device_equality_with_strings_and_hashing():
    assert Device("cpu") == "cpu"
    assert Device("cuda") == "cuda:0"
    assert Device("cuda:0") == "cuda"
    assert Device("cuda:1") != "cuda:0"
    assert Device("cpu") != "cuda"
    assert Device("cpu") != "not a device"  # compares unequal instead of raising
    assert Device("cpu") != 0
    assert hash(Device("cuda")) == hash(Device("cuda:0"))
    assert len({Device("cuda"), Device("cuda:0"), Device("cpu")}) == 2
    assert minigrad.zeros(1).device == "cpu"


# ---------------------------------------------------------------------------------------------
# CUDA availability and errors without a GPU
# ---------------------------------------------------------------------------------------------


def test_import_is_lazy_and_does_not_need_cupy():
    code = "import sys, minigrad; print('cupy' in sys.modules); " \
           "print(minigrad.cuda.is_available() in (True, False))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=Path(__file__).resolve().parents[1])
    assert result.stdout.split() == ["False", "True"], "import minigrad must not import cupy"


@without_cuda
def test_cuda_is_not_available_here():
    assert minigrad.cuda.is_available() is False
    assert minigrad.cuda.device_count() == 0
    minigrad.cuda.synchronize()  # a no-op without CUDA
    assert backend.array_module("cpu") is np
    assert backend.get_array_module(np.zeros(1)) is np


@without_cuda
@pytest.mark.parametrize("make", [
    lambda: minigrad.tensor([1.0, 2.0], device="cuda"),
    lambda: minigrad.zeros(2, device="cuda"),
    lambda: minigrad.randn(2, device="cuda:0"),
    lambda: minigrad.arange(3, device="cuda"),
    lambda: minigrad.ones(2).to("cuda"),
    lambda: minigrad.ones(2).cuda(),
    lambda: minigrad.ones(2, requires_grad=True).cuda(1),
], ids=["tensor", "zeros", "randn", "arange", "to", "cuda()", "cuda(1)"])
def test_asking_for_cuda_without_a_gpu_raises_a_clear_error(make):
    with pytest.raises(RuntimeError, match=r"needs CUDA.*is_available\(\) is False"):
        make()


# ---------------------------------------------------------------------------------------------
# Random numbers
# ---------------------------------------------------------------------------------------------


def _draw():
    return [minigrad.randn(3, 4).numpy().copy(), minigrad.rand(5).numpy().copy(),
            minigrad.randint(0, 100, (6,)).numpy().copy(), minigrad.randperm(10).numpy().copy(),
            minigrad.empty(4).normal_().numpy().copy()]


def test_manual_seed_makes_random_tensors_bit_reproducible():
    minigrad.manual_seed(1234)
    first = _draw()
    minigrad.manual_seed(1234)
    second = _draw()
    for a, b in zip(first, second):
        assert a.dtype == b.dtype
        assert a.tobytes() == b.tobytes()
    assert minigrad.initial_seed() == 1234


def test_different_seeds_give_different_numbers():
    minigrad.manual_seed(1)
    first = minigrad.randn(8).numpy().copy()
    minigrad.manual_seed(2)
    assert not np.array_equal(first, minigrad.randn(8).numpy())


def test_draws_continue_the_stream_after_seeding():
    minigrad.manual_seed(7)
    a, b = minigrad.rand(4).numpy().copy(), minigrad.rand(4).numpy().copy()
    assert not np.array_equal(a, b)


def test_cuda_manual_seed_seeds_the_same_generators():
    minigrad.cuda.manual_seed(5)
    first = minigrad.randn(3).numpy().copy()
    minigrad.manual_seed(5)
    assert first.tobytes() == minigrad.randn(3).numpy().tobytes()


def test_manual_seed_rejects_non_integers():
    with pytest.raises(TypeError, match="int"):
        minigrad.manual_seed(1.5)
    with pytest.raises(TypeError, match="int"):
        minigrad.manual_seed(True)


# ---------------------------------------------------------------------------------------------
# Mixing devices in one op
# ---------------------------------------------------------------------------------------------


class _AddArrays(Function):
    def forward(self, a, b):
        return a + b

    # d(a + b)/da = d(a + b)/db = 1
    def backward(self, grad):
        return grad, grad


class _Device:
    def __init__(self, number):
        self.id = number


class _FakeGpuArray:
    """Stands in for a cupy.ndarray on GPU ``number`` (it cannot compute anything)."""

    dtype = np.dtype(np.float32)
    shape = (2,)

    def __init__(self, number):
        self.device = _Device(number)


class _FakeCupy:
    ndarray = _FakeGpuArray


@without_cuda
def test_mixing_two_gpus_names_both_devices(monkeypatch):
    # Simulated: the error path only asks which device each array is on.
    monkeypatch.setattr(backend, "_cupy", _FakeCupy)
    a = minigrad.Tensor._from_op(_FakeGpuArray(0), None, 0)
    b = minigrad.Tensor._from_op(_FakeGpuArray(1), None, 0)
    with pytest.raises(RuntimeError, match="_AddArrays.*same device.*cuda:0.*cuda:1"):
        _AddArrays()(a, b)


@without_cuda
def test_mixing_cpu_and_gpu_names_both_devices(monkeypatch):
    monkeypatch.setattr(backend, "_cupy", _FakeCupy)
    a = minigrad.ones(2)
    b = minigrad.Tensor._from_op(_FakeGpuArray(0), None, 0)
    with pytest.raises(RuntimeError, match="same device.*cpu.*cuda:0"):
        _AddArrays()(a, b)


@needs_cuda
def test_mixing_devices_in_one_op_names_both_devices():
    a = minigrad.ones(2)
    b = minigrad.ones(2, device="cuda")
    with pytest.raises(RuntimeError, match="cpu.*cuda:0"):
        minigrad.add(a, b)
    with pytest.raises(RuntimeError, match="cuda:0.*cpu"):
        minigrad.mul(b, a)


@needs_cuda
def test_round_trip_to_the_gpu_keeps_values_and_gradient():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    y = (x.cuda() * 3.0).cpu().sum()
    y.backward()
    assert x.grad.device == "cpu"
    assert x.grad.tolist() == [3.0, 3.0]
