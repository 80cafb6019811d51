"""The declarative op-test harness.

A test states *what* an op is -- its inputs (a hypothesis strategy of NumPy arrays), the minigrad
call and a NumPy reference -- and ``check_op`` does the rest:

1. forward in float64 against the reference (tight) and in float32 (dtype table), and that
   float32 inputs give a float32 result;
2. gradcheck in float64 against central finite differences, for every input;
3. gradgradcheck where the op is twice differentiable;
4. on a GPU, the same checks on ``cuda`` against the CPU result (device parity).

Inputs near a kink of the op (relu and abs at 0, ties of max) are nudged away first, because
finite differences straddling a kink measure the average of two slopes.

Example::

    EXP = OpCase("exp", minigrad.exp, np.exp, inputs=st.tuples(arrays(shapes())))

    @given(st.data())
    def test_exp(data):
        check_op(EXP, data)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from hypothesis import strategies as st

import minigrad
from minigrad.utils import gradcheck, gradgradcheck

# Forward tolerances per dtype: (rtol, atol).
TOLERANCES = {
    np.dtype(np.float64): (1e-10, 1e-12),
    np.dtype(np.float32): (1e-4, 1e-5),
    np.dtype(np.float16): (1e-2, 1e-3),
}


def devices() -> list[str]:
    """The devices tests run on: cpu, plus cuda where a GPU is usable."""
    return ["cpu", "cuda"] if minigrad.cuda.is_available() else ["cpu"]


def assert_close(actual, expected, dtype=np.float64, what: str = "value") -> None:
    """Compare a Tensor/array with an expected array using the dtype's tolerances."""
    if isinstance(actual, minigrad.Tensor):
        actual = actual.cpu().detach().numpy()
    if isinstance(expected, minigrad.Tensor):
        expected = expected.cpu().detach().numpy()
    rtol, atol = TOLERANCES[np.dtype(dtype)]
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=what)


def nudge_off(array: np.ndarray, kinks, margin: float = 1e-2) -> np.ndarray:
    """Move values within ``margin`` of any kink to ``kink +/- 2 * margin``."""
    array = np.array(array, dtype=np.float64, copy=True)
    for kink in kinks:
        close = np.abs(array - kink) < margin
        array[close] = kink + np.where(array[close] >= kink, 2 * margin, -2 * margin)
    return array


def make_distinct(array: np.ndarray, gap: float = 1e-2) -> np.ndarray:
    """Break ties (for max/min/sort-like ops): sorted values become at least ``gap`` apart."""
    array = np.array(array, dtype=np.float64, copy=True)
    if array.size < 2:
        return array
    flat = array.ravel()
    order = np.argsort(flat, kind="stable")
    values = flat[order]
    for i in range(1, values.size):
        values[i] = max(values[i], values[i - 1] + gap)
    flat[order] = values
    return flat.reshape(array.shape)


@dataclass
class OpCase:
    """One op under test.

    name         shown in failures
    op           minigrad call taking Tensors (in the order of ``inputs``)
    reference    NumPy call taking arrays, giving the expected result
    inputs       strategy of a tuple of float64 arrays
    grad_inputs  which inputs are differentiated (default: all)
    twice        twice differentiable: run gradgradcheck
    kinks        values to keep inputs away from (e.g. [0.0] for relu)
    distinct     break ties among input values (max, min, sort)
    """

    name: str
    op: Callable
    reference: Callable
    inputs: st.SearchStrategy
    grad_inputs: tuple | None = None
    twice: bool = True
    kinks: list = field(default_factory=list)
    distinct: bool = False
    atol: float = 1e-5
    rtol: float = 1e-3

    def __repr__(self) -> str:
        return self.name


def _prepare(case: OpCase, arrays) -> list[np.ndarray]:
    prepared = []
    for array in arrays:
        array = np.asarray(array, dtype=np.float64)
        if case.kinks:
            array = nudge_off(array, case.kinks)
        if case.distinct:
            array = make_distinct(array)
        prepared.append(array)
    return prepared


def _tensors(arrays, dtype, device, grad_mask):
    return [minigrad.tensor(a, dtype=dtype, device=device, requires_grad=bool(g))
            for a, g in zip(arrays, grad_mask)]


def _as_list(result):
    return list(result) if isinstance(result, (tuple, list)) else [result]


def check_op(case: OpCase, data, device: str = "cpu") -> None:
    """Run every check of the harness on one drawn example (``data`` is hypothesis' st.data())."""
    arrays = _prepare(case, data.draw(case.inputs, label="inputs"))
    count = len(arrays)
    grad_mask = [True] * count if case.grad_inputs is None else \
        [i in case.grad_inputs for i in range(count)]
    expected = _as_list(case.reference(*arrays))

    # 1. forward, float64 and float32
    for dtype in (np.float64, np.float32):
        tensors = _tensors(arrays, dtype, device, [False] * count)
        results = _as_list(case.op(*tensors))
        for i, (got, want) in enumerate(zip(results, expected)):
            if np.asarray(want).dtype.kind == "f":
                assert got.dtype == np.dtype(dtype), \
                    f"{case.name}: {np.dtype(dtype)} inputs gave {got.dtype} output {i}"
            assert_close(got.cpu().numpy().astype(np.float64),
                         np.asarray(want, dtype=np.float64), dtype,
                         f"{case.name} output {i} ({np.dtype(dtype)}, {device})")

    # 2. first derivatives
    tensors = _tensors(arrays, np.float64, device, grad_mask)
    gradcheck(case.op, tensors, atol=case.atol, rtol=case.rtol)

    # 3. second derivatives
    if case.twice:
        tensors = _tensors(arrays, np.float64, device, grad_mask)
        gradgradcheck(case.op, tensors, atol=case.atol, rtol=case.rtol)

    # 4. device parity: gradients on the GPU equal those on the CPU
    if device != "cpu":
        _check_parity(case, arrays, grad_mask, device)


def _check_parity(case: OpCase, arrays, grad_mask, device) -> None:
    rng = np.random.default_rng(0)
    grads = {}
    for where in ("cpu", device):
        tensors = _tensors(arrays, np.float64, where, grad_mask)
        outputs = [o for o in _as_list(case.op(*tensors)) if o.requires_grad]
        loss = None
        for out in outputs:
            weight = minigrad.tensor(rng.standard_normal(out.shape), device=where)
            term = (out * weight).sum()
            loss = term if loss is None else loss + term
        if loss is None:
            return
        loss.backward()
        grads[where] = [t.grad for t in tensors if t.requires_grad]
    for i, (a, b) in enumerate(zip(grads["cpu"], grads[device])):
        assert_close(b, a, np.float64, f"{case.name} gradient {i} on {device} vs cpu")
