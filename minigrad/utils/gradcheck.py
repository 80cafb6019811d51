"""Checking gradients against finite differences.

    gradcheck(fn, inputs)       first derivatives: backward vs central differences
    gradgradcheck(fn, inputs)   second derivatives: the backward of the backward, the same way

Central differences: df/dx_j ~ (f(x + eps e_j) - f(x - eps e_j)) / (2 eps), error O(eps^2),
which is why the check runs in float64 (with eps = 1e-6 the rounding error of float32 would
swamp the answer).

Small inputs get the full Jacobian, element by element; large ones get random directional
checks (v^T J d computed both ways for random d and v), which catch a wrong gradient with
probability 1 at the cost of two function evaluations each.
"""

from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd import enable_grad, grad, no_grad
from ..tensor import Tensor

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(AssertionError):
    """Raised when an analytical gradient disagrees with finite differences."""


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _outputs(fn, inputs):
    return [out for out in _as_tuple(fn(*inputs)) if isinstance(out, Tensor)]


def _differentiable_outputs(outputs):
    return [out for out in outputs if out.dtype.kind == "f"]


def _to_numpy(array):
    return backend.to_device(array, "cpu")


def _check_inputs(inputs, what):
    for i, x in enumerate(inputs):
        if isinstance(x, Tensor) and x.requires_grad:
            if x.dtype != np.float64:
                raise GradcheckError(f"{what}: input {i} has dtype {x.dtype}; finite differences "
                                     "need float64 inputs (use .double())")
            if not x.is_leaf:
                raise GradcheckError(f"{what}: input {i} is not a leaf; pass leaf tensors")


def _evaluate(fn, inputs):
    """f(inputs) flattened into one float64 vector (all differentiable outputs concatenated)."""
    with no_grad():
        outputs = _differentiable_outputs(_outputs(fn, inputs))
    return np.concatenate([_to_numpy(o.data).astype(np.float64).ravel() for o in outputs]) \
        if outputs else np.zeros(0)


def _analytical_vjp(fn, inputs, wanted, cotangents):
    """v^T J for every wanted input, where v is one cotangent array per differentiable output."""
    outputs = _differentiable_outputs(_outputs(fn, inputs))
    if len(outputs) != len(cotangents):
        raise GradcheckError("gradcheck: fn returned a different number of outputs between calls")
    roots, seeds = [], []
    for out, v in zip(outputs, cotangents):
        if out.requires_grad:
            roots.append(out)
            xp = backend.get_array_module(out.data)
            seeds.append(Tensor(xp.asarray(v.reshape(out.shape), dtype=out.dtype)))
    if not roots:
        return [np.zeros(x.shape) for x in wanted]
    grads = grad(roots, wanted, grad_outputs=seeds, allow_unused=True)
    return [np.zeros(x.shape) if g is None else _to_numpy(g.data).astype(np.float64)
            for x, g in zip(wanted, grads)]


def _close(numerical, analytical, atol, rtol):
    return np.abs(numerical - analytical) <= atol + rtol * np.abs(numerical)


def gradcheck(fn, inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, max_full: int = 400, directions: int = 4,
              seed: int = 0) -> bool:
    """Compare the gradients autograd computes for ``fn(*inputs)`` with central differences.

    ``inputs``: a Tensor or a sequence; those with ``requires_grad=True`` (float64 leaves) are
    checked.  ``fn`` returns a Tensor or a tuple of Tensors (non-float outputs are ignored).
    When (total input elements) x (total output elements) <= ``max_full`` squared the full
    Jacobian is compared element by element; otherwise ``directions`` random checks of v^T J d.
    On a mismatch raises GradcheckError naming the input, the element and both values (or
    returns False with ``raise_exception=False``).

    >>> import minigrad
    >>> x = minigrad.randn(3, dtype=minigrad.float64, requires_grad=True)
    >>> gradcheck(lambda t: (t * t).sum(), x)
    True
    """
    inputs = _as_tuple(inputs)
    _check_inputs(inputs, "gradcheck")
    wanted_index = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not wanted_index:
        raise GradcheckError("gradcheck: no input requires grad")
    wanted = [inputs[i] for i in wanted_index]
    output_size = _evaluate(fn, inputs).size
    input_size = sum(x.numel() for x in wanted)
    try:
        if input_size * output_size <= max_full * max_full and input_size <= max_full:
            _full_jacobian_check(fn, inputs, wanted, wanted_index, eps, atol, rtol, output_size)
        else:
            _directional_check(fn, inputs, wanted, wanted_index, eps, atol, rtol, directions,
                               seed)
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def _output_cotangents(fn, inputs, flat_v):
    """Split one flat cotangent vector into one array per differentiable output."""
    with no_grad():
        outputs = _differentiable_outputs(_outputs(fn, inputs))
    pieces, start = [], 0
    for out in outputs:
        pieces.append(flat_v[start:start + out.numel()])
        start += out.numel()
    return pieces


def _full_jacobian_check(fn, inputs, wanted, wanted_index, eps, atol, rtol, output_size):
    # Numerical Jacobian, one column (input element) at a time.
    numerical = []
    for x in wanted:
        columns = np.zeros((output_size, x.numel()))
        for j in range(x.numel()):
            # Index the array itself: reshape(-1) of a non-contiguous array would be a copy.
            element = np.unravel_index(j, x.shape)
            original = x.data[element].item()
            x.data[element] = original + eps
            plus = _evaluate(fn, inputs)
            x.data[element] = original - eps
            minus = _evaluate(fn, inputs)
            x.data[element] = original
            columns[:, j] = (plus - minus) / (2 * eps)
        numerical.append(columns)
    # Analytical Jacobian, one row (output element) at a time, by backward with a one-hot seed.
    analytical = [np.zeros((output_size, x.numel())) for x in wanted]
    for k in range(output_size):
        one_hot = np.zeros(output_size)
        one_hot[k] = 1.0
        rows = _analytical_vjp(fn, inputs, wanted, _output_cotangents(fn, inputs, one_hot))
        for position, row in enumerate(rows):
            analytical[position][k] = row.ravel()
    for position, (num, ana) in enumerate(zip(numerical, analytical)):
        ok = _close(num, ana, atol, rtol)
        if not ok.all():
            k, j = np.argwhere(~ok)[0]
            x = wanted[position]
            element = np.unravel_index(j, x.shape) if x.ndim else ()
            raise GradcheckError(
                f"gradcheck: Jacobian mismatch for input {wanted_index[position]} (shape "
                f"{tuple(x.shape)}) at element {tuple(int(e) for e in element)}, output element "
                f"{int(k)}: numerical {num[k, j]:.10g} vs analytical {ana[k, j]:.10g} "
                f"(atol={atol}, rtol={rtol})"
            )


def _directional_check(fn, inputs, wanted, wanted_index, eps, atol, rtol, directions, seed):
    rng = np.random.default_rng(seed)
    for trial in range(directions):
        directions_per_input = [rng.standard_normal(x.shape) for x in wanted]
        flat_v = rng.standard_normal(_evaluate(fn, inputs).size)
        cotangents = _output_cotangents(fn, inputs, flat_v)
        vjps = _analytical_vjp(fn, inputs, wanted, cotangents)
        # Check each input on its own, so a failure names the input.
        for position, x in enumerate(wanted):
            d = directions_per_input[position]
            analytical = float((vjps[position] * d).sum())
            saved = x.data.copy()
            xp = backend.get_array_module(x.data)
            step = xp.asarray(d * eps)
            x.data[...] = saved + step
            plus = _evaluate(fn, inputs)
            x.data[...] = saved - step
            minus = _evaluate(fn, inputs)
            x.data[...] = saved
            numerical = float(flat_v @ (plus - minus)) / (2 * eps)
            if not _close(numerical, analytical, atol * max(1.0, np.sqrt(flat_v.size)), rtol):
                raise GradcheckError(
                    f"gradcheck: directional derivative mismatch for input "
                    f"{wanted_index[position]} (shape {tuple(x.shape)}), random direction "
                    f"{trial}: numerical {numerical:.10g} vs analytical {analytical:.10g} "
                    f"(atol={atol}, rtol={rtol})"
                )


def gradgradcheck(fn, inputs, grad_outputs=None, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, raise_exception: bool = True, max_full: int = 400,
                  seed: int = 0) -> bool:
    """Check second derivatives: gradcheck of the function
    ``(inputs, v) -> grad(fn(inputs), inputs, v, create_graph=True)``.

    ``grad_outputs`` (the v) default to random float64 tensors, checked as inputs too.
    """
    inputs = _as_tuple(inputs)
    _check_inputs(inputs, "gradgradcheck")
    wanted_index = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    with no_grad():
        outputs = _differentiable_outputs(_outputs(fn, inputs))
    if grad_outputs is None:
        rng = np.random.default_rng(seed)
        grad_outputs = []
        for out in outputs:
            xp = backend.get_array_module(out.data)
            values = xp.asarray(rng.standard_normal(out.shape))
            grad_outputs.append(Tensor(values, requires_grad=True))
    grad_outputs = list(_as_tuple(grad_outputs))
    count = len(inputs)

    def first_derivatives(*args):
        # Graph recording stays on even when gradcheck evaluates this under no_grad: the first
        # derivatives exist only through a graph of fn (without it they would all be missing).
        with enable_grad():
            xs, vs = args[:count], args[count:]
            outs = _differentiable_outputs(_outputs(fn, xs))
            pairs = [(o, v) for o, v in zip(outs, vs) if o.requires_grad]
            grads = grad([o for o, _ in pairs], [xs[i] for i in wanted_index],
                         grad_outputs=[v for _, v in pairs], create_graph=True,
                         allow_unused=True)
        # A derivative that does not require grad is kept: its own derivative then counts as
        # zero, so a backward that is not differentiable fails the check instead of vanishing.
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_derivatives, tuple(inputs) + tuple(grad_outputs), eps=eps, atol=atol,
                     rtol=rtol, raise_exception=raise_exception, max_full=max_full, seed=seed)
