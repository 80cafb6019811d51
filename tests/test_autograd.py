"""The autograd engine: graph shapes (diamonds, reuse, deep chains), gradient accumulation,
freeing the graph, retain_graph, hooks, retain_grad, grad modes, detach, errors, multi-output
Functions, minigrad.grad (higher order, pruning, allow_unused) and anomaly detection.

Expected gradients are derived by hand in the comments and computed with NumPy, never with the
code under test.
"""

import gc
import inspect
import sys
import weakref

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad
from minigrad.autograd import Function, detect_anomaly
from minigrad.utils import gradcheck
from tests.harness import assert_close
from tests.strategies import arrays

f64 = minigrad.float64


def leaf(values, dtype=f64):
    return minigrad.tensor(values, dtype=dtype, requires_grad=True)


# ---------------------------------------------------------------------------------------------
# Test Functions defined here, so the engine is tested independently of ops/
# ---------------------------------------------------------------------------------------------


class TwoOutputs(Function):
    """x -> (2x, x^2): a Function with two outputs."""

    def forward(self, x):
        return 2 * x, x * x

    # d/dx (2x) = 2, d/dx x^2 = 2x
    def backward(self, grad_double, grad_square):
        (x,) = self.inputs
        return grad_double * 2.0 + grad_square * x * 2.0


class ValuesAndIndices(Function):
    """x -> (x, argsort of x): a float output and an integer output."""

    def forward(self, x):
        return x.copy(), np.argsort(x)

    # d/dx x = 1 (the indices are not differentiable)
    def backward(self, grad_values, grad_indices):
        return grad_values


class CountingIdentity(Function):
    """y = x, counting how often backward runs."""

    calls = 0

    def forward(self, x):
        return x.copy()

    # d/dx x = 1
    def backward(self, grad):
        CountingIdentity.calls += 1
        return grad


class StopGradient(Function):
    """y = x whose backward returns no gradient at all (None) for its input."""

    def forward(self, x):
        return x.copy()

    # treated as a constant: no gradient flows back
    def backward(self, grad):
        return None


# ---------------------------------------------------------------------------------------------
# Graph shapes
# ---------------------------------------------------------------------------------------------


def test_diamond_graph():
    # x feeds two branches joined again: y = (2x) * (x + 3)  =>  dy/dx = 2(x + 3) + 2x = 4x + 6
    values = np.array([-1.5, 0.0, 2.0])
    x = leaf(values)
    left = x * 2.0
    right = x + 3.0
    (left * right).sum().backward()
    assert_close(x.grad, 4 * values + 6)


def test_deeper_diamond_with_shared_intermediate():
    # u = x^2 is used by v = u + x and by w = u * v:  w = x^2 (x^2 + x) = x^4 + x^3
    # dw/dx = 4x^3 + 3x^2
    values = np.array([0.5, -2.0, 1.25])
    x = leaf(values)
    u = x * x
    v = u + x
    w = u * v
    w.sum().backward()
    assert_close(x.grad, 4 * values ** 3 + 3 * values ** 2)


def test_tensor_used_twice_in_one_op():
    values = np.array([1.0, -3.0, 0.5])
    x = leaf(values)
    (x * x).sum().backward()
    assert_close(x.grad, 2 * values)


def test_same_tensor_in_both_slots_of_add_gets_both_gradients():
    x = leaf([1.0, 2.0])
    (x + x).sum().backward()
    assert_close(x.grad, np.array([2.0, 2.0]))


def test_gradients_accumulate_over_two_backward_calls():
    values = np.array([1.0, 2.0, -1.0])
    x = leaf(values)
    (x * x).sum().backward()
    (x * 3.0).sum().backward()
    assert_close(x.grad, 2 * values + 3.0)


def test_chain_of_10000_ops_does_not_recurse():
    x = leaf([1.0])
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    previous_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack()) + 100)  # far fewer frames than ops
    try:
        y.backward()
    finally:
        sys.setrecursionlimit(previous_limit)
    assert_close(x.grad, np.array([1.0001 ** 10_000]), what="d/dx x * 1.0001^10000")


def test_dropping_a_deep_graph_without_backward_frees_it():
    x = leaf([1.0])
    y = x
    for _ in range(10_000):
        y = y + 1.0
    creator = weakref.ref(y.creator)
    del y
    gc.collect()
    assert creator() is None


# Random graphs: a "program" combines a few leaves with random ops, reusing earlier results (so
# diamonds, x * x and long chains all appear), and returns some of its values -- possibly a leaf
# itself, possibly the same value twice.  The engine must agree with finite differences.


@st.composite
def programs(draw):
    leaf_count = draw(st.integers(1, 3))
    leaves = [draw(arrays((2,), -1.2, 1.2)) for _ in range(leaf_count)]
    steps = []
    for position in range(leaf_count, leaf_count + draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["add", "sub", "mul", "tanh", "half"]))
        steps.append((op, draw(st.integers(0, position - 1)), draw(st.integers(0, position - 1))))
    outputs = draw(st.lists(st.integers(0, leaf_count + len(steps) - 1), min_size=1, max_size=3))
    return leaves, steps, outputs


def run_program(steps, outputs, *leaves):
    values = list(leaves)
    for op, first, second in steps:
        a, b = values[first], values[second]
        if op == "add":
            values.append(a + b)
        elif op == "sub":
            values.append(a - b)
        elif op == "mul":
            values.append(a * b)
        elif op == "tanh":
            values.append(minigrad.tanh(a))
        else:
            values.append(a * 0.5)
    return tuple(values[i] for i in outputs)


@given(programs())
def test_random_graphs_match_finite_differences(program):
    arrays_, steps, outputs = program
    leaves = [leaf(a) for a in arrays_]
    assert gradcheck(lambda *xs: run_program(steps, outputs, *xs), leaves)


@given(programs())
def test_random_graphs_backward_agrees_with_grad(program):
    arrays_, steps, outputs = program
    leaves = [leaf(a) for a in arrays_]
    results = run_program(steps, outputs, *leaves)
    seeds = [minigrad.tensor(np.full(2, i + 1.0), dtype=f64) for i in range(len(results))]
    expected = minigrad.grad(list(results), leaves, seeds, retain_graph=True, allow_unused=True)
    minigrad.autograd.backward(list(results), seeds)
    for x, g in zip(leaves, expected):
        if g is None:
            assert x.grad is None
        else:
            assert_close(x.grad, g.numpy())


# ---------------------------------------------------------------------------------------------
# Freeing the graph
# ---------------------------------------------------------------------------------------------


def test_graph_is_freed_when_the_loss_is_dropped():
    x = leaf([1.0, 2.0])
    hidden = x * 2.0
    loss = (hidden * hidden).sum()
    hidden_ref = weakref.ref(hidden)
    function_ref = weakref.ref(hidden.creator)
    del hidden
    gc.collect()
    assert hidden_ref() is not None, "the graph must keep intermediates alive until backward"
    del loss
    gc.collect()
    assert hidden_ref() is None
    assert function_ref() is None


def test_backward_releases_saved_inputs_while_the_loss_lives():
    x = leaf([1.0, 2.0])
    hidden = x * 2.0
    loss = (hidden * hidden).sum()
    hidden_ref = weakref.ref(hidden)
    del hidden
    loss.backward()
    gc.collect()
    assert hidden_ref() is None
    assert loss.creator.released


def test_functions_hold_their_outputs_weakly():
    x = leaf([1.0])
    y = x * 2.0
    function = y.creator
    assert function.outputs[0]() is y
    del y
    gc.collect()
    assert function.outputs[0]() is None


def test_second_backward_through_freed_graph_raises():
    x = leaf([1.0, 2.0])
    loss = (x * x).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        loss.backward()


def test_second_backward_through_a_freed_shared_part_raises():
    x = leaf([1.0, 2.0])
    y = x * x
    y.sum().backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        (y * 2.0).sum().backward()


def test_retain_graph_allows_a_second_backward():
    values = np.array([1.0, 2.0])
    x = leaf(values)
    loss = (x * x).sum()
    loss.backward(retain_graph=True)
    loss.backward()
    assert_close(x.grad, 4 * values)
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        loss.backward()


# ---------------------------------------------------------------------------------------------
# Roots
# ---------------------------------------------------------------------------------------------


def test_backward_from_several_roots_that_depend_on_each_other():
    # y1 = x^2, y2 = 3 y1:  d(sum g1 y1 + sum g2 y2)/dx = 2x (g1 + 3 g2)
    values = np.array([1.0, -2.0])
    g1, g2 = np.array([1.0, 0.5]), np.array([2.0, -1.0])
    x = leaf(values)
    y1 = x * x
    y2 = y1 * 3.0
    minigrad.autograd.backward([y2, y1], [minigrad.tensor(g2, dtype=f64),
                                          minigrad.tensor(g1, dtype=f64)])
    assert_close(x.grad, 2 * values * (g1 + 3 * g2))


def test_backward_from_a_leaf_root():
    x = leaf([1.0, 2.0])
    x.backward(minigrad.tensor([3.0, 4.0], dtype=f64))
    assert_close(x.grad, np.array([3.0, 4.0]))
    scalar = leaf(5.0)
    scalar.backward()
    assert scalar.grad.item() == 1.0


def test_leaf_root_and_graph_root_together():
    values = np.array([1.0, 2.0])
    x = leaf(values)
    y = x * x
    ones = minigrad.ones(2, dtype=f64)
    minigrad.autograd.backward([x, y], [ones, ones])
    assert_close(x.grad, 1 + 2 * values)


def test_leaf_grad_does_not_alias_the_callers_gradient():
    x = leaf([1.0, 2.0])
    seed = minigrad.tensor([1.0, 1.0], dtype=f64)
    (x + 0.0).backward(seed)
    x.grad.zero_()
    assert_close(seed, np.array([1.0, 1.0]), what="the caller's gradient tensor")


def test_leaves_sharing_one_gradient_get_separate_memory():
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (a + b).sum().backward()
    a.grad.mul_(10.0)
    assert_close(b.grad, np.array([1.0, 1.0]))


# ---------------------------------------------------------------------------------------------
# Function contracts the engine enforces
# ---------------------------------------------------------------------------------------------


class WrongShapeGradient(Function):
    def forward(self, x):
        return x.copy()

    # (deliberately wrong: returns a gradient of the wrong shape)
    def backward(self, grad):
        return grad.sum()


class WrongDtypeGradient(Function):
    def forward(self, x):
        return x.copy()

    # (deliberately wrong: returns a float64 gradient for a float32 input)
    def backward(self, grad):
        return grad.double()


class TooFewGradients(Function):
    def forward(self, a, b):
        return a + b

    # (deliberately wrong: one gradient for two inputs)
    def backward(self, grad):
        return grad


def test_backward_returning_the_wrong_shape_is_reported():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"WrongShapeGradient.*shape \(\).*shape \(2,\)"):
        WrongShapeGradient()(x).sum().backward()


def test_backward_returning_the_wrong_dtype_is_reported():
    x = leaf([1.0, 2.0], dtype=minigrad.float32)
    with pytest.raises(RuntimeError, match="WrongDtypeGradient.*float64.*float32"):
        WrongDtypeGradient()(x).sum().backward()


def test_backward_returning_too_few_gradients_is_reported():
    a, b = leaf([1.0]), leaf([2.0])
    with pytest.raises(RuntimeError, match="TooFewGradients.*1 gradient.*2 inputs"):
        TooFewGradients()(a, b).sum().backward()


def test_function_returning_no_gradient_does_not_block_other_branches():
    # loss = sum(stop(2x)) + sum(3x): only the second branch carries a gradient
    x = leaf([1.0, 2.0])
    blocked = StopGradient()(x * 2.0)
    loss = blocked.sum() + (x * 3.0).sum()
    loss.backward()
    assert_close(x.grad, np.array([3.0, 3.0]))
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        loss.backward()  # the unreached part was released too


def test_unreached_function_shared_with_a_reached_branch():
    # u = 2x feeds stop(u) and 5u: d/dx = 10, whichever of the two runs first
    for order in range(2):
        x = leaf([1.0, -1.0])
        u = x * 2.0
        branches = [StopGradient()(u).sum(), (u * 5.0).sum()]
        if order:
            branches.reverse()
        (branches[0] + branches[1]).backward()
        assert_close(x.grad, np.array([10.0, 10.0]))


def test_nothing_reaches_the_leaf():
    x = leaf([1.0, 2.0])
    StopGradient()((x * 2.0) * 3.0).sum().backward()
    assert x.grad is None


# ---------------------------------------------------------------------------------------------
# Hooks and retain_grad
# ---------------------------------------------------------------------------------------------


def test_hook_on_a_leaf_replaces_its_gradient_and_can_be_removed():
    x = leaf([1.0, 2.0])
    handle = x.register_hook(lambda grad: grad * 10.0)
    (x * 3.0).sum().backward()
    assert_close(x.grad, np.array([30.0, 30.0]))
    handle.remove()
    x.grad = None
    (x * 3.0).sum().backward()
    assert_close(x.grad, np.array([3.0, 3.0]))
    handle.remove()  # a second remove does nothing


def test_hook_on_an_intermediate_changes_what_flows_upstream():
    # y = 2x, loss = sum(y^2): dloss/dy = 2y = 4x; the hook adds 1 before it reaches x
    values = np.array([1.0, 2.0])
    x = leaf(values)
    y = x * 2.0
    seen = []
    y.register_hook(lambda grad: seen.append(grad.numpy().copy()))
    y.register_hook(lambda grad: grad + 1.0)
    (y * y).sum().backward()
    assert_close(seen[0], 4 * values)
    assert_close(x.grad, 2 * (4 * values + 1.0))


def test_leaf_hook_runs_once_with_the_total_gradient():
    # x is used twice in x * x: the hook must see 2x once, not x twice
    values = np.array([1.0, 3.0])
    x = leaf(values)
    seen = []
    x.register_hook(lambda grad: seen.append(grad.numpy().copy()))
    (x * x).sum().backward()
    assert len(seen) == 1
    assert_close(seen[0], 2 * values)


def test_removing_one_of_two_registrations_of_the_same_hook():
    x = leaf([1.0])

    def double(grad):
        return grad * 2.0

    first = x.register_hook(double)
    x.register_hook(double)
    first.remove()
    (x * 1.0).sum().backward()
    assert_close(x.grad, np.array([2.0]))


def test_hook_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        minigrad.ones(2).register_hook(lambda grad: grad)


def test_retain_grad_keeps_the_gradient_of_a_non_leaf():
    values = np.array([1.0, -2.0])
    x = leaf(values)
    y = x * 2.0
    y.retain_grad()
    z = x * 3.0
    (y * y + z).sum().backward()
    assert y.retains_grad
    assert_close(y.grad, 2 * (2 * values))
    assert z.grad is None
    y.grad.zero_()  # a retained gradient is an ordinary writable tensor


def test_retain_grad_of_a_broadcast_gradient_is_writable_and_separate():
    x = leaf([1.0, 2.0])
    y = x * 1.0
    y.retain_grad()
    y.sum().backward()
    y.grad.fill_(7.0)
    assert_close(x.grad, np.array([1.0, 1.0]))


def test_retain_grad_on_a_leaf_is_harmless():
    x = leaf([1.0])
    x.retain_grad()
    (x * 2.0).sum().backward()
    assert_close(x.grad, np.array([2.0]))


# ---------------------------------------------------------------------------------------------
# Grad modes
# ---------------------------------------------------------------------------------------------


def test_no_grad_context():
    x = leaf([1.0])
    with minigrad.no_grad():
        assert not minigrad.is_grad_enabled()
        y = x * 2.0
    assert minigrad.is_grad_enabled()
    assert not y.requires_grad and y.is_leaf


def test_enable_grad_inside_no_grad():
    x = leaf([1.0])
    with minigrad.no_grad():
        with minigrad.enable_grad():
            y = x * 2.0
        z = x * 2.0
    assert y.requires_grad and not z.requires_grad


def test_set_grad_enabled_context_and_call():
    x = leaf([1.0])
    with minigrad.set_grad_enabled(False):
        assert not (x * 2.0).requires_grad
        with minigrad.set_grad_enabled(True):
            assert (x * 2.0).requires_grad
    assert minigrad.is_grad_enabled()
    minigrad.set_grad_enabled(False)
    try:
        assert not (x * 2.0).requires_grad
    finally:
        minigrad.set_grad_enabled(True)


def test_grad_mode_decorators():
    x = leaf([1.0])

    @minigrad.no_grad()
    def without(t):
        return t * 2.0

    @minigrad.enable_grad()
    def with_grad(t):
        return t * 2.0

    @minigrad.set_grad_enabled(False)
    def disabled(t):
        return t * 2.0

    assert minigrad.is_grad_enabled(), "decorating must not switch the mode"
    assert not without(x).requires_grad
    assert not disabled(x).requires_grad
    with minigrad.no_grad():
        assert with_grad(x).requires_grad
    assert without.__name__ == "without"


def test_grad_mode_is_restored_after_an_exception():
    with pytest.raises(ValueError), minigrad.no_grad():
        raise ValueError("boom")
    assert minigrad.is_grad_enabled()


def test_backward_works_inside_no_grad():
    x = leaf([2.0])
    loss = (x * x).sum()
    with minigrad.no_grad():
        loss.backward()
    assert_close(x.grad, np.array([4.0]))


# ---------------------------------------------------------------------------------------------
# detach, requires_grad, errors
# ---------------------------------------------------------------------------------------------


def test_detach_shares_memory_and_cuts_the_graph():
    x = leaf([1.0, 2.0])
    y = x * 2.0
    d = y.detach()
    assert not d.requires_grad and d.is_leaf
    assert np.shares_memory(d.numpy(), y.data)
    (d * x).sum().backward()
    assert_close(x.grad, np.array([2.0, 4.0]))  # d counted as a constant


def test_detach_in_place():
    x = leaf([1.0])
    y = x * 2.0
    assert y.detach_() is y
    assert y.is_leaf and not y.requires_grad


def test_requires_grad_on_integer_tensor_raises():
    with pytest.raises(TypeError, match="floating point"):
        minigrad.tensor([1, 2]).requires_grad_()
    with pytest.raises(TypeError, match="floating point"):
        minigrad.tensor([1, 2], requires_grad=True)


def test_requires_grad_false_on_non_leaf_raises():
    y = leaf([1.0]) * 2.0
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad = False


def test_backward_from_integer_loss_raises():
    loss = minigrad.tensor([1, 2]).sum()
    with pytest.raises(RuntimeError, match="int64.*floating point"):
        loss.backward()


def test_backward_from_a_tensor_that_does_not_require_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        minigrad.tensor(1.0).backward()


def test_backward_from_non_scalar_without_gradient_raises():
    y = leaf([1.0, 2.0]) * 2.0
    with pytest.raises(RuntimeError, match=r"scalar outputs.*shape \(2,\)"):
        y.backward()


def test_backward_with_gradient_of_the_wrong_shape_raises():
    y = leaf([1.0, 2.0]) * 2.0
    with pytest.raises(ValueError, match=r"gradient shape \(3,\).*\(2,\)"):
        y.backward(minigrad.ones(3, dtype=f64))


def test_backward_gradient_of_another_dtype_is_cast():
    x = leaf([1.0, 2.0], dtype=minigrad.float32)
    (x * 2.0).backward(minigrad.ones(2, dtype=f64))
    assert x.grad.dtype == minigrad.float32
    assert_close(x.grad, np.array([2.0, 2.0]), dtype=np.float32)


def test_create_graph_backward_gives_differentiable_grad():
    # y = x^3: x.grad = 3x^2 (with a graph); d/dx sum(3x^2) = 6x
    values = np.array([1.0, -2.0])
    x = leaf(values)
    (x * x * x).sum().backward(create_graph=True)
    assert x.grad.requires_grad
    first = x.grad
    x.grad = None
    first.sum().backward()
    assert_close(first.detach(), 3 * values ** 2)
    assert_close(x.grad, 6 * values)


# ---------------------------------------------------------------------------------------------
# Multi-output Functions
# ---------------------------------------------------------------------------------------------


def test_multi_output_function_with_only_one_output_used():
    values = np.array([1.0, -0.5])
    x = leaf(values)
    double, _ = TwoOutputs()(x)
    double.sum().backward()
    assert_close(x.grad, np.array([2.0, 2.0]))

    x = leaf(values)
    _, square = TwoOutputs()(x)
    square.sum().backward()
    assert_close(x.grad, 2 * values)


def test_multi_output_function_with_both_outputs_used():
    values = np.array([1.0, -0.5])
    x = leaf(values)
    double, square = TwoOutputs()(x)
    (double * 3.0 + square).sum().backward()
    assert_close(x.grad, 6.0 + 2 * values)
    assert minigrad.utils.gradcheck(lambda t: TwoOutputs()(t), leaf(values))


def test_multi_output_function_with_the_unused_output_deleted():
    x = leaf([2.0])
    double, square = TwoOutputs()(x)
    del square
    gc.collect()
    double.sum().backward()
    assert_close(x.grad, np.array([2.0]))


def test_integer_outputs_do_not_require_grad():
    x = leaf([3.0, 1.0, 2.0])
    values, indices = ValuesAndIndices()(x)
    assert values.requires_grad
    assert indices.dtype == minigrad.int64
    assert not indices.requires_grad
    values.sum().backward()
    assert_close(x.grad, np.ones(3))


# ---------------------------------------------------------------------------------------------
# minigrad.grad
# ---------------------------------------------------------------------------------------------


def test_second_derivative_of_tanh():
    values = np.linspace(-2.0, 2.0, 7)
    x = leaf(values)
    (first,) = minigrad.grad(minigrad.tanh(x).sum(), x, create_graph=True)
    (second,) = minigrad.grad(first.sum(), x)
    t = np.tanh(values)
    assert_close(first.detach(), 1 - t ** 2)
    assert_close(second, -2 * t * (1 - t ** 2))


def test_second_derivative_of_cube():
    values = np.array([-1.5, 0.0, 2.0])
    x = leaf(values)
    (first,) = minigrad.grad((x * x * x).sum(), x, create_graph=True)
    (second,) = minigrad.grad(first.sum(), x)
    assert_close(first.detach(), 3 * values ** 2)
    assert_close(second, 6 * values)
    assert x.grad is None


def _mlp_loss(params, inputs):
    w1, b1, w2 = params
    hidden = minigrad.tanh(inputs @ w1 + b1)
    out = hidden @ w2
    return (out * out).sum()


def test_hessian_vector_product_of_a_small_mlp():
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((3, 4)), rng.standard_normal(4), rng.standard_normal((4, 2))]
    inputs = minigrad.tensor(rng.standard_normal((5, 3)), dtype=f64)
    direction = [rng.standard_normal(a.shape) for a in arrays]

    params = [leaf(a) for a in arrays]
    grads = minigrad.grad(_mlp_loss(params, inputs), params, create_graph=True)
    dot = sum((g * minigrad.tensor(v, dtype=f64)).sum() for g, v in zip(grads, direction))
    hvp = minigrad.grad(dot, params)

    def gradient_at(shift):
        shifted = [leaf(a + shift * v) for a, v in zip(arrays, direction)]
        return [g.numpy() for g in minigrad.grad(_mlp_loss(shifted, inputs), shifted)]

    eps = 1e-5
    plus, minus = gradient_at(eps), gradient_at(-eps)
    for got, p, m in zip(hvp, plus, minus):
        np.testing.assert_allclose(got.numpy(), (p - m) / (2 * eps), rtol=1e-6, atol=1e-8)


def test_grad_allow_unused():
    x, unused = leaf([1.0]), leaf([2.0])
    with pytest.raises(RuntimeError, match="input 1 was not used.*allow_unused=True"):
        minigrad.grad((x * 2.0).sum(), [x, unused])
    dx, dunused = minigrad.grad((x * 2.0).sum(), [x, unused], allow_unused=True)
    assert_close(dx, np.array([2.0]))
    assert dunused is None


def test_grad_does_not_touch_dot_grad():
    x = leaf([1.0, 2.0])
    y = x * 3.0
    y.retain_grad()
    w = leaf([5.0, 5.0])
    x.grad = minigrad.tensor([7.0, 7.0], dtype=f64)
    (dx,) = minigrad.grad((y * w).sum(), x)
    assert_close(dx, np.array([15.0, 15.0]))
    assert_close(x.grad, np.array([7.0, 7.0]))
    assert w.grad is None and y.grad is None


def test_grad_with_respect_to_a_non_leaf_skips_upstream_work():
    # z = sum(y^2) with y = identity(2x): dz/dy = 2y; nothing upstream of y needs to run
    values = np.array([1.0, -1.5])
    x = leaf(values)
    y = CountingIdentity()(x * 2.0)
    z = (y * y).sum()
    CountingIdentity.calls = 0
    (dy,) = minigrad.grad(z, y)
    assert_close(dy, 2 * (2 * values))
    assert CountingIdentity.calls == 0
    assert x.grad is None


def test_grad_with_respect_to_the_output_itself():
    x = leaf([1.0, 2.0])
    y = x * 2.0
    (dy,) = minigrad.grad(y, y, grad_outputs=minigrad.tensor([3.0, 4.0], dtype=f64))
    assert_close(dy, np.array([3.0, 4.0]))
    (dx,) = minigrad.grad(x, x, grad_outputs=minigrad.ones(2, dtype=f64))
    assert_close(dx, np.ones(2))


def test_grad_of_several_outputs_and_inputs():
    # outputs a = x * y, b = x + y with weights 1 and 2: d/dx = y + 2, d/dy = x + 2
    x, y = leaf([1.0, 2.0]), leaf([3.0, -1.0])
    dx, dy = minigrad.grad([(x * y).sum(), (x + y).sum() * 2.0], [x, y])
    assert_close(dx, np.array([5.0, 1.0]))
    assert_close(dy, np.array([3.0, 4.0]))


def test_grad_errors():
    x = leaf([1.0])
    with pytest.raises(RuntimeError, match="input 0 does not require grad"):
        minigrad.grad((x * 2.0).sum(), minigrad.ones(1))
    with pytest.raises(TypeError, match="input 0 must be a Tensor"):
        minigrad.grad((x * 2.0).sum(), [np.ones(1)])


def test_grad_frees_the_graph_unless_retained():
    x = leaf([1.0])
    loss = (x * x).sum()
    minigrad.grad(loss, x, retain_graph=True)
    minigrad.grad(loss, x)
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        minigrad.grad(loss, x)


# ---------------------------------------------------------------------------------------------
# Anomaly detection
# ---------------------------------------------------------------------------------------------


def test_anomaly_names_sqrt_of_negative_and_the_user_line():
    x = leaf([-1.0, 4.0])
    with pytest.raises(RuntimeError) as error, detect_anomaly():
        y = minigrad.sqrt(x)  # noqa: F841 -- the anomaly is raised here
    message = str(error.value)
    assert "'Sqrt'" in message and "forward" in message
    assert "test_autograd.py" in message and "y = minigrad.sqrt(x)" in message


def test_anomaly_names_log_of_negative():
    x = leaf([-2.0])
    with pytest.raises(RuntimeError, match="'Log'.*forward.*minigrad.log"), detect_anomaly():
        minigrad.log(x)


def test_anomaly_lets_infinity_through():
    # log(0) = -inf is an answer, not an anomaly (masks use -inf on purpose)
    with detect_anomaly():
        y = minigrad.log(minigrad.zeros(1))
    assert np.isneginf(y.numpy()).all()


def test_anomaly_names_the_backward_that_made_a_nan():
    # d/dx sqrt(x) at 0 is infinite; times the 0 flowing back from "* 0" it is NaN
    x = leaf([0.0, 1.0])
    with detect_anomaly():
        y = minigrad.sqrt(x) * 0.0
        with pytest.raises(RuntimeError) as error:
            y.sum().backward()
    message = str(error.value)
    assert "'SqrtBackward'" in message
    assert "test_autograd.py" in message and "minigrad.sqrt(x) * 0.0" in message


def test_without_anomaly_mode_nan_passes_silently():
    x = leaf([0.0])
    (minigrad.sqrt(x) * 0.0).sum().backward()
    assert np.isnan(x.grad.numpy()).all()
    assert not minigrad.autograd.is_anomaly_enabled()
