"""The GPU branches of the ops, exercised without a GPU.

Each op that has a kernel asks ``cuda_kernels.runs_on(arrays)`` whether to take its GPU branch.
Here that question answers True for float NumPy arrays and the launcher runs the kernels
serially on the CPU (tests/kernels/cpu_harness.py), so the very branch code a GPU runs --
argument plumbing, saved state, reductions, the optimizer state it keeps -- is run on the CPU
and compared with the stock NumPy path of the same call.
"""

import numpy as np
import pytest

import minigrad
from minigrad import cuda_kernels, nn
from minigrad.nn import functional as F

from . import cpu_harness

pytestmark = pytest.mark.skipif(cpu_harness.compiler() is None,
                                reason="no host C++ compiler (g++): kernels not run on the CPU")

TOLERANCE = {"rtol": 1e-5, "atol": 1e-6}


def _kernels_for_numpy(*arrays) -> bool:
    return all(isinstance(a, np.ndarray) and a.dtype in (np.float32, np.float64)
               for a in arrays)


def both_ways(monkeypatch, compute, expected_kernels):
    """compute() through the stock NumPy path, then through the kernel branches, which must
    have launched every kernel file in ``expected_kernels``."""
    stock = compute()
    launched = set()

    def counting_launcher(stem, name, count, args):
        launched.add(stem)
        cpu_harness.cpu_launcher(stem, name, count, args)

    with monkeypatch.context() as patch:
        patch.setattr(cuda_kernels, "runs_on", _kernels_for_numpy)
        patch.setattr(cuda_kernels, "launcher", counting_launcher)
        kernels = compute()
    assert launched == set(expected_kernels), launched
    assert len(stock) == len(kernels)
    for expected, actual in zip(stock, kernels):
        np.testing.assert_allclose(actual, expected, **TOLERANCE)


def _leaf(shape, seed, scale=1.0):
    rng = np.random.default_rng(seed)
    return minigrad.tensor((scale * rng.standard_normal(shape)).astype(np.float32),
                           requires_grad=True)


def test_conv_layers_take_the_kernel_branch(monkeypatch):
    def compute():
        x, w, t = _leaf((2, 3, 9, 8), 0), _leaf((4, 3, 3, 3), 1), _leaf((4, 2, 3, 2), 2)
        y = F.conv2d(x, w, stride=(2, 1), padding=1, dilation=(1, 2))
        z = F.conv_transpose2d(y, t, stride=2, padding=1, output_padding=1)
        (z * z).sum().backward()
        return [z.detach().numpy(), x.grad.numpy(), w.grad.numpy(), t.grad.numpy()]

    both_ways(monkeypatch, compute, {"im2col", "col2im"})


def test_pooling_takes_the_kernel_branch(monkeypatch):
    def compute():
        x = _leaf((2, 3, 9, 7), 3)
        a = F.max_pool2d(x, 3, stride=2, padding=1, ceil_mode=True)
        b = F.avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)
        ((a * b).sum() + (a * a).sum()).backward()
        return [a.detach().numpy(), b.detach().numpy(), x.grad.numpy()]

    both_ways(monkeypatch, compute, {"max_pool2d", "avg_pool2d"})


def test_recurrent_layers_take_the_kernel_branch(monkeypatch):
    def compute():
        minigrad.manual_seed(4)
        lstm, gru = nn.LSTM(3, 5), nn.GRU(3, 4)
        x = _leaf((6, 2, 3), 5)
        out, (h, c) = lstm(x)
        out_gru, _ = gru(x)
        ((out * out).sum() + c.sum() + (out_gru * out_gru).sum()).backward()
        return [out.detach().numpy(), c.detach().numpy(), out_gru.detach().numpy(),
                x.grad.numpy()] + [p.grad.numpy() for p in lstm.parameters()] + \
            [p.grad.numpy() for p in gru.parameters()]

    both_ways(monkeypatch, compute, {"lstm_cell", "gru_cell"})


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_takes_the_kernel_branch(monkeypatch, reduction):
    target = minigrad.tensor(np.array([0, 3, 2, 2, 1, 4]))
    weight = minigrad.tensor(np.linspace(0.5, 1.5, 5).astype(np.float32))

    def compute():
        x = _leaf((6, 5), 6, scale=3.0)
        loss = F.cross_entropy(x, target, weight=weight, ignore_index=2, reduction=reduction,
                               label_smoothing=0.1)
        (loss * loss).sum().backward()
        return [loss.detach().numpy(), x.grad.numpy()]

    both_ways(monkeypatch, compute, {"softmax_cross_entropy"})


def test_embedding_and_dropout_take_the_kernel_branch(monkeypatch):
    def compute():
        minigrad.manual_seed(7)
        table = nn.Embedding(5, 3)
        tokens = minigrad.tensor(np.random.default_rng(8).integers(0, 5, size=(4, 6)))
        y = F.dropout(table(tokens), p=0.3)
        (y * y).sum().backward()
        return [y.detach().numpy(), table.weight.grad.numpy()]

    both_ways(monkeypatch, compute, {"embedding_backward", "dropout"})


@pytest.mark.parametrize("name, options", [
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.1, "momentum": 0.5, "dampening": 0.2}),
    ("Adam", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.1}),
    ("AdamW", {"lr": 0.01, "maximize": True}),
])
def test_optimizers_take_the_kernel_branch(monkeypatch, name, options):
    def compute():
        param = _leaf((4, 3), 9)
        optimizer = getattr(minigrad.optim, name)([param], **options)
        for seed in range(3):
            param.grad = minigrad.tensor(np.random.default_rng(seed).standard_normal((4, 3))
                                         .astype(np.float32))
            optimizer.step()
        state = optimizer.state[param]
        buffers = [state[k].data for k in sorted(state) if k != "step"]
        return [param.detach().numpy()] + buffers

    both_ways(monkeypatch, compute, {name.lower().replace("adamw", "adam")})
