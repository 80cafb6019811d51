"""Losses: every F.* loss and loss module against plain NumPy references, gradient checks, the
fused softmax cross-entropy against its composite twin, numerical stability, bad inputs."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.ops import loss as loss_ops
from minigrad.utils import gradcheck, gradgradcheck
from tests.harness import assert_close, devices, nudge_off
from tests.strategies import arrays, shapes

REDUCTIONS = st.sampled_from(["none", "mean", "sum"])


def f64(array, requires_grad=True, device="cpu"):
    return minigrad.tensor(np.asarray(array, dtype=np.float64), dtype=minigrad.float64,
                           device=device, requires_grad=requires_grad)


def reduce_reference(losses, reduction):
    losses = np.asarray(losses, dtype=np.float64)
    if reduction == "none":
        return losses
    return losses.sum() if reduction == "sum" else losses.mean()


def numpy_of(tensor):
    return tensor.detach().cpu().numpy().astype(np.float64)


# ---------------------------------------------------------------------------------------------
# Plain references (formulas written out, element by element where it helps)
# ---------------------------------------------------------------------------------------------


def log_softmax_reference(row):
    m = max(row)
    return [v - m - math.log(sum(math.exp(u - m) for u in row)) for v in row]


def cross_entropy_reference(x, target, weight=None, ignore_index=-100, reduction="mean",
                            smoothing=0.0):
    """x (N, C, *d), target (N, *d): one Python loop over every position."""
    classes = x.shape[1]
    w = np.ones(classes) if weight is None else weight
    moved = np.moveaxis(x, 1, -1).reshape(-1, classes)
    flat_target = target.reshape(-1)
    losses, denominator = [], 0.0
    for row, t in zip(moved, flat_target):
        if t == ignore_index:
            losses.append(0.0)
            continue
        logp = log_softmax_reference(list(row))
        nll = -w[t] * logp[t]
        smooth = -sum(w[c] * logp[c] for c in range(classes))
        losses.append((1 - smoothing) * nll + smoothing / classes * smooth)
        denominator += w[t]
    losses = np.array(losses).reshape(target.shape)
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    return losses.sum() / denominator


# ---------------------------------------------------------------------------------------------
# Regression losses
# ---------------------------------------------------------------------------------------------


def smooth_l1_reference(d, beta):
    d = np.abs(d)
    return np.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta)


def huber_reference(d, delta):
    d = np.abs(d)
    return np.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta))


REGRESSION = {
    "mse": (lambda x, y, r: F.mse_loss(x, y, r), lambda d: d * d, [], True),
    "l1": (lambda x, y, r: F.l1_loss(x, y, r), np.abs, [0.0], False),
    "smooth_l1(beta=0.5)": (lambda x, y, r: F.smooth_l1_loss(x, y, r, beta=0.5),
                            lambda d: smooth_l1_reference(d, 0.5), [-0.5, 0.5], True),
    "huber(delta=0.7)": (lambda x, y, r: F.huber_loss(x, y, r, delta=0.7),
                         lambda d: huber_reference(d, 0.7), [-0.7, 0.7], True),
}


@pytest.mark.parametrize("device", devices())
@pytest.mark.parametrize("name", list(REGRESSION))
@given(data=st.data())
def test_regression_losses(name, device, data):
    function, reference, kinks, twice = REGRESSION[name]
    shape = data.draw(shapes(max_dims=2))
    x = data.draw(arrays(shape))
    y = data.draw(arrays(shape))
    reduction = data.draw(REDUCTIONS)
    x = y + nudge_off(x - y, kinks) if kinks else x  # keep x - y off the kinks
    expected = reduce_reference(reference(x - y), reduction)
    for dtype in (np.float64, np.float32):
        got = function(minigrad.tensor(x, dtype=dtype, device=device),
                       minigrad.tensor(y, dtype=dtype, device=device), reduction)
        assert got.dtype == np.dtype(dtype)
        assert_close(numpy_of(got), expected, dtype, name)
    inputs = (f64(x, device=device), f64(y, device=device))
    gradcheck(lambda a, b: function(a, b, reduction), inputs)
    if twice:
        gradgradcheck(lambda a, b: function(a, b, reduction), inputs)


def test_regression_broadcast_warns_and_mismatch_raises():
    x, y = minigrad.ones(4, 1), minigrad.zeros(4)
    with pytest.warns(UserWarning, match=r"mse_loss: using a target size \(4,\) that is "
                                         r"different to the input size \(4, 1\)"):
        out = F.mse_loss(x, y, "none")
    assert out.shape == (4, 4)
    with pytest.raises(ValueError, match=r"l1_loss: shapes \(3,\) and \(4,\) cannot be "
                                         r"broadcast together"):
        F.l1_loss(minigrad.ones(3), minigrad.ones(4))


def test_regression_bad_hyperparameters():
    with pytest.raises(ValueError, match="smooth_l1_loss: beta must be non-negative, got -1"):
        F.smooth_l1_loss(minigrad.ones(2), minigrad.ones(2), beta=-1)
    with pytest.raises(ValueError, match="SmoothL1Loss: beta must be non-negative"):
        nn.SmoothL1Loss(beta=-0.5)
    with pytest.raises(ValueError, match="HuberLoss: delta must be positive, got 0"):
        nn.HuberLoss(delta=0)
    with pytest.raises(ValueError, match="MSELoss: reduction must be one of 'none', 'mean', "
                                         "'sum', got 'avg'"):
        nn.MSELoss(reduction="avg")
    with pytest.raises(ValueError, match="mse_loss: reduction must be one of"):
        F.mse_loss(minigrad.ones(2), minigrad.ones(2), "batchmean")
    with pytest.raises(TypeError, match="mse_loss: expected target to be a Tensor, got list"):
        F.mse_loss(minigrad.ones(2), [1.0, 2.0])


def test_smooth_l1_beta_zero_is_l1_and_huber_relation():
    x = minigrad.tensor([0.3, -2.0, 1.5])
    y = minigrad.zeros(3)
    np.testing.assert_allclose(F.smooth_l1_loss(x, y, beta=0.0).item(),
                               F.l1_loss(x, y).item())
    # huber(delta) = delta * smooth_l1(beta=delta)
    np.testing.assert_allclose(F.huber_loss(x, y, delta=0.5).item(),
                               0.5 * F.smooth_l1_loss(x, y, beta=0.5).item(), rtol=1e-6)


# ---------------------------------------------------------------------------------------------
# Cross-entropy: fused op, composite twin, class indices and probabilities
# ---------------------------------------------------------------------------------------------


@st.composite
def class_problems(draw, max_spatial=1, weighted=None, reduction=None):
    n, classes = draw(st.integers(1, 3)), draw(st.integers(2, 4))
    spatial = tuple(draw(st.lists(st.integers(1, 2), max_size=max_spatial)))
    x = draw(arrays((n, classes) + spatial))
    use_ignore = draw(st.booleans())
    low = -1 if use_ignore else 0
    target = np.array(draw(st.lists(st.integers(low, classes - 1), min_size=n * int(np.prod(
        spatial, dtype=int)), max_size=n * int(np.prod(spatial, dtype=int))))).reshape(
        (n,) + spatial)
    if weighted is None:
        weighted = draw(st.booleans())
    weight = draw(arrays((classes,), 0.2, 2.0)) if weighted else None
    smoothing = draw(st.sampled_from([0.0, 0.1]))
    reduction = reduction or draw(REDUCTIONS)
    if reduction == "mean" and use_ignore and (target == -1).all():
        target[(0,) * target.ndim] = 0  # at least one counted target (0 / 0 is nan)
    return x, target.astype(np.int64), weight, (-1 if use_ignore else -100), smoothing, reduction


# Every combination of weights and reduction gets its own examples: the 'mean' of a weighted
# loss (divided by the total target weight) is the easiest rule to get wrong.
@pytest.mark.parametrize("device", devices())
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@settings(max_examples=8)
@given(data=st.data())
def test_cross_entropy_against_reference(device, weighted, reduction, data):
    problem = data.draw(class_problems(weighted=weighted, reduction=reduction))
    x, target, weight, ignore, smoothing, reduction = problem
    expected = cross_entropy_reference(x, target, weight, ignore, reduction, smoothing)
    t = minigrad.tensor(target, device=device)
    for dtype in (np.float64, np.float32):
        w = None if weight is None else minigrad.tensor(weight, dtype=dtype, device=device)
        got = F.cross_entropy(minigrad.tensor(x, dtype=dtype, device=device), t, w, ignore,
                              reduction, smoothing)
        assert got.dtype == np.dtype(dtype) and got.shape == np.shape(expected)
        assert_close(numpy_of(got), expected, dtype, "cross_entropy")
    w = None if weight is None else minigrad.tensor(weight, dtype=minigrad.float64,
                                                    device=device)

    def loss(logits):
        return F.cross_entropy(logits, t, w, ignore, reduction, smoothing)

    gradcheck(loss, f64(x, device=device))
    gradgradcheck(loss, f64(x, device=device))


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@settings(max_examples=8)
@given(data=st.data())
def test_fused_and_composite_cross_entropy_agree(weighted, reduction, data):
    """Values, gradients and second derivatives of the fused Function and of
    log_softmax + gather are the same."""
    problem = data.draw(class_problems(max_spatial=0, weighted=weighted, reduction=reduction))
    x, target, weight, ignore, smoothing, reduction = problem
    t = minigrad.tensor(target)
    w = None if weight is None else f64(weight, requires_grad=False)
    results = []
    for function in (loss_ops.softmax_cross_entropy, loss_ops.softmax_cross_entropy_simple):
        logits = f64(x)
        value = function(logits, t, w, ignore, reduction, smoothing)
        seed = f64(np.linspace(0.5, 1.5, value.numel()).reshape(value.shape), False)
        (grad,) = minigrad.grad(value, [logits], grad_outputs=[seed], create_graph=True)
        (hessian_vector,) = minigrad.grad((grad * grad).sum(), [logits])
        results.append((numpy_of(value), numpy_of(grad), numpy_of(hessian_vector)))
    for fused, composite in zip(*results):
        np.testing.assert_allclose(fused, composite, rtol=1e-10, atol=1e-12)


def test_fused_cross_entropy_is_one_node_with_softmax_minus_onehot_gradient():
    x = f64([[1.0, 2.0, 3.0], [0.5, 0.5, -1.0]])
    loss = F.cross_entropy(x, minigrad.tensor([2, 0]))
    assert type(loss.creator).__name__ == "SoftmaxCrossEntropy"
    loss.backward()
    probs = np.exp(x.detach().numpy())
    probs /= probs.sum(axis=1, keepdims=True)
    expected = (probs - np.eye(3)[[2, 0]]) / 2
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-12)


def test_cross_entropy_stable_for_huge_logits():
    x = minigrad.tensor([[1e4, 0.0, -1e4], [0.0, 1e4, 1e4]], requires_grad=True)
    loss = F.cross_entropy(x, minigrad.tensor([1, 0]), reduction="none")
    # row 0: -log softmax = 1e4 - 0; row 1: log(1 + 2 e^{1e4}) - 0 = 1e4 + log 2
    np.testing.assert_allclose(loss.detach().numpy(), [1e4, 1e4 + math.log(2)], rtol=1e-6)
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[1.0, -1.0, 0.0], [-1.0, 0.5, 0.5]], atol=1e-6)
    composite = loss_ops.softmax_cross_entropy_simple(x.detach(), minigrad.tensor([1, 0]),
                                                      reduction="none")
    np.testing.assert_allclose(composite.numpy(), loss.detach().numpy(), rtol=1e-6)


def test_cross_entropy_ignore_and_weight_mean_semantics():
    # PyTorch: 'mean' divides by the sum of the weights of the counted targets
    x = np.array([[2.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    weight = np.array([3.0, 0.5])
    target = np.array([0, 1, -100])
    got = F.cross_entropy(f64(x, False), minigrad.tensor(target), f64(weight, False))
    l0 = -3.0 * log_softmax_reference([2.0, 0.0])[0]
    l1 = -0.5 * log_softmax_reference([0.0, 1.0])[1]
    assert got.item() == pytest.approx((l0 + l1) / 3.5, rel=1e-12)
    all_ignored = F.cross_entropy(f64(x, False), minigrad.tensor([-100, -100, -100]))
    assert math.isnan(all_ignored.item())  # 0 / 0, as in PyTorch


def test_cross_entropy_unbatched_and_spatial_shapes():
    x = minigrad.randn(5)
    t = minigrad.tensor(3)
    single = F.cross_entropy(x, t, reduction="none")
    assert single.shape == ()
    assert single.item() == pytest.approx(-log_softmax_reference(x.numpy().tolist())[3],
                                          rel=1e-5)
    images = minigrad.randn(2, 4, 3, 3)
    labels = minigrad.randint(0, 4, (2, 3, 3))
    assert F.cross_entropy(images, labels, reduction="none").shape == (2, 3, 3)


@given(data=st.data())
def test_cross_entropy_probability_targets(data):
    n, classes = data.draw(st.integers(1, 3)), data.draw(st.integers(2, 4))
    x = data.draw(arrays((n, classes)))
    raw = data.draw(arrays((n, classes), 0.01, 1.0))
    probabilities = raw / raw.sum(axis=1, keepdims=True)
    weight = data.draw(st.none() | arrays((classes,), 0.2, 2.0))
    smoothing = data.draw(st.sampled_from([0.0, 0.2]))
    reduction = data.draw(REDUCTIONS)
    w = np.ones(classes) if weight is None else weight
    smoothed = probabilities * (1 - smoothing) + smoothing / classes
    losses = [-sum(w[c] * smoothed[i, c] * log_softmax_reference(list(x[i]))[c]
                   for c in range(classes)) for i in range(n)]
    expected = reduce_reference(losses, reduction)  # 'mean' divides by N
    w_tensor = None if weight is None else f64(weight, False)
    got = F.cross_entropy(f64(x, False), f64(probabilities, False), w_tensor,
                          reduction=reduction, label_smoothing=smoothing)
    assert_close(numpy_of(got), expected, np.float64, "cross_entropy probabilities")
    inputs = (f64(x), f64(probabilities))
    gradcheck(lambda a, b: F.cross_entropy(a, b, w_tensor, reduction=reduction,
                                           label_smoothing=smoothing), inputs)
    gradgradcheck(lambda a, b: F.cross_entropy(a, b, w_tensor, reduction=reduction), inputs)


def test_cross_entropy_bad_inputs():
    x = minigrad.randn(3, 4)
    with pytest.raises(IndexError, match=r"cross_entropy: target 4 is out of bounds for 4 "
                                         r"classes"):
        F.cross_entropy(x, minigrad.tensor([0, 4, 1]))
    with pytest.raises(IndexError, match="target -3 is out of bounds"):
        F.cross_entropy(x, minigrad.tensor([0, -3, 1]))
    with pytest.raises(ValueError, match=r"cross_entropy: expected target of shape \(3,\) for "
                                         r"input of shape \(3, 4\) \(N, C, d1, \.\.\.\), got "
                                         r"\(3, 1\)"):
        F.cross_entropy(x, minigrad.tensor([[0], [1], [2]]))
    with pytest.raises(ValueError, match="a floating point target holds class probabilities"):
        F.cross_entropy(x, minigrad.tensor([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match=r"weight must have shape \(4,\) \(one weight per "
                                         r"class\), got \(3,\)"):
        F.cross_entropy(x, minigrad.tensor([0, 1, 2]), weight=minigrad.ones(3))
    with pytest.raises(ValueError, match="label_smoothing must be between 0.0 and 1.0, got 1.5"):
        nn.CrossEntropyLoss(label_smoothing=1.5)
    with pytest.raises(ValueError, match="input must have a class dimension"):
        F.cross_entropy(minigrad.tensor(1.0), minigrad.tensor(0))
    with pytest.raises(ValueError, match="the target must be 0-d"):
        F.cross_entropy(minigrad.randn(4), minigrad.tensor([1]))


# ---------------------------------------------------------------------------------------------
# NLL
# ---------------------------------------------------------------------------------------------


@given(problem=class_problems())
def test_nll_loss(problem):
    x, target, weight, ignore, _, reduction = problem
    w = None if weight is None else f64(weight, False)
    log_probs = F.log_softmax(f64(x, False), 1)
    got = F.nll_loss(log_probs, minigrad.tensor(target), w, ignore, reduction)
    expected = cross_entropy_reference(x, target, weight, ignore, reduction)
    assert_close(numpy_of(got), expected, np.float64, "nll_loss")
    # nll of arbitrary values (not normalised log-probabilities): the gradient is -w[t] one-hot
    gradcheck(lambda a: F.nll_loss(a, minigrad.tensor(target), w, ignore, reduction), f64(x))


def test_nll_loss_errors():
    with pytest.raises(IndexError, match="nll_loss: target 5 is out of bounds for 3 classes"):
        F.nll_loss(minigrad.randn(2, 3), minigrad.tensor([5, 0]))
    with pytest.raises(TypeError, match="nll_loss: expected class-index targets of an integer "
                                        "dtype"):
        F.nll_loss(minigrad.randn(2, 3), minigrad.tensor([[0.5, 0.5, 0.0]] * 2)[:, 0])


# ---------------------------------------------------------------------------------------------
# Binary cross-entropy (probabilities and logits) and focal loss
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("device", devices())
@given(data=st.data())
def test_binary_cross_entropy(device, data):
    shape = data.draw(shapes(max_dims=2))
    x = data.draw(arrays(shape, 0.05, 0.95))
    y = data.draw(arrays(shape, 0.0, 1.0))
    weight = data.draw(st.none() | arrays(shape[-1:] if shape else (), 0.5, 2.0))
    reduction = data.draw(REDUCTIONS)
    w = 1.0 if weight is None else weight
    expected = reduce_reference(-w * (y * np.log(x) + (1 - y) * np.log(1 - x)), reduction)
    wt = None if weight is None else f64(weight, False, device)
    got = F.binary_cross_entropy(f64(x, False, device), f64(y, False, device), wt, reduction)
    assert_close(numpy_of(got), expected, np.float64, "binary_cross_entropy")
    inputs = (f64(x, device=device), f64(y, device=device))
    gradcheck(lambda a, b: F.binary_cross_entropy(a, b, wt, reduction), inputs)
    gradgradcheck(lambda a, b: F.binary_cross_entropy(a, b, wt, reduction), inputs)


def test_binary_cross_entropy_at_zero_and_one_is_finite():
    x = minigrad.tensor([0.0, 1.0, 0.0, 1.0], requires_grad=True)
    y = minigrad.tensor([1.0, 0.0, 0.0, 1.0])
    losses = F.binary_cross_entropy(x, y, reduction="none")
    np.testing.assert_allclose(losses.detach().numpy(), [100.0, 100.0, 0.0, 0.0])
    losses.sum().backward()
    assert np.isfinite(x.grad.numpy()).all()
    with pytest.raises(ValueError, match="all elements of input should be between 0 and 1"):
        F.binary_cross_entropy(minigrad.tensor([1.5]), minigrad.tensor([1.0]))
    with pytest.raises(ValueError, match="must have the same shape as the input"):
        F.binary_cross_entropy(minigrad.tensor([0.5]), minigrad.tensor([1.0, 0.0]))


def bce_logits_reference(x, y, pos_weight=1.0, weight=1.0):
    s = 1 / (1 + np.exp(-x))
    return -weight * (pos_weight * y * np.log(s) + (1 - y) * np.log(1 - s))


@pytest.mark.parametrize("device", devices())
@given(data=st.data())
def test_binary_cross_entropy_with_logits(device, data):
    shape = data.draw(shapes(min_dims=1, max_dims=2))
    x = data.draw(arrays(shape))
    y = data.draw(arrays(shape, 0.0, 1.0))
    pos_weight = data.draw(st.none() | arrays(shape[-1:], 0.5, 3.0))
    weight = data.draw(st.none() | arrays(shape, 0.5, 2.0))
    reduction = data.draw(REDUCTIONS)
    expected = reduce_reference(bce_logits_reference(
        x, y, 1.0 if pos_weight is None else pos_weight, 1.0 if weight is None else weight),
        reduction)
    pw = None if pos_weight is None else f64(pos_weight, False, device)
    wt = None if weight is None else f64(weight, False, device)
    for dtype in (np.float64, np.float32):
        got = F.binary_cross_entropy_with_logits(
            minigrad.tensor(x, dtype=dtype, device=device),
            minigrad.tensor(y, dtype=dtype, device=device),
            None if wt is None else wt.to(dtype), reduction,
            None if pw is None else pw.to(dtype))
        assert got.dtype == np.dtype(dtype)
        assert_close(numpy_of(got), expected, dtype, "bce_with_logits")
    inputs = (f64(x, device=device), f64(y, device=device))

    def loss(a, b):
        return F.binary_cross_entropy_with_logits(a, b, wt, reduction, pw)

    gradcheck(loss, inputs)
    gradgradcheck(loss, inputs)


def test_bce_with_logits_stable_for_huge_logits():
    x = minigrad.tensor([1e4, -1e4, 1e4, -1e4], requires_grad=True)
    y = minigrad.tensor([1.0, 1.0, 0.0, 0.0])
    losses = F.binary_cross_entropy_with_logits(x, y, reduction="none",
                                                pos_weight=minigrad.tensor([2.0] * 4))
    np.testing.assert_allclose(losses.detach().numpy(), [0.0, 2e4, 1e4, 0.0])
    losses.sum().backward()
    # d/dx = sigmoid(x) (p y + 1 - y) - p y
    np.testing.assert_allclose(x.grad.numpy(), [0.0, -2.0, 1.0, 0.0])


def test_bce_with_logits_gradient_exactly_at_zero():
    # the composite max(-x, 0) + log1p(exp(-|x|)) would give 1 - y here instead of 0.5 - y
    x = minigrad.zeros(3, requires_grad=True)
    F.binary_cross_entropy_with_logits(x, minigrad.tensor([0.0, 0.5, 1.0]), reduction="sum") \
        .backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.5, 0.0, -0.5])


def test_bce_with_logits_errors():
    with pytest.raises(ValueError, match=r"target size \(2, 1\) must be the same as input size "
                                         r"\(2,\)"):
        F.binary_cross_entropy_with_logits(minigrad.ones(2), minigrad.ones(2, 1))
    with pytest.raises(ValueError, match=r"pos_weight of shape \(3,\) does not broadcast to "
                                         r"the input shape \(2, 2\)"):
        F.binary_cross_entropy_with_logits(minigrad.ones(2, 2), minigrad.ones(2, 2),
                                           pos_weight=minigrad.ones(3))


@given(data=st.data())
def test_sigmoid_focal_loss(data):
    shape = data.draw(shapes(min_dims=1, max_dims=2))
    x = data.draw(arrays(shape))
    y = data.draw(arrays(shape, 0.0, 1.0).map(np.round))
    alpha = data.draw(st.sampled_from([0.25, -1.0]))
    gamma = data.draw(st.sampled_from([0.0, 2.0]))
    reduction = data.draw(REDUCTIONS)
    p = 1 / (1 + np.exp(-x))
    ce = bce_logits_reference(x, y)
    p_t = p * y + (1 - p) * (1 - y)
    losses = ce * (1 - p_t) ** gamma
    if alpha >= 0:
        losses = (alpha * y + (1 - alpha) * (1 - y)) * losses
    got = F.sigmoid_focal_loss(f64(x, False), f64(y, False), alpha, gamma, reduction)
    assert_close(numpy_of(got), reduce_reference(losses, reduction), np.float64, "focal")
    gradcheck(lambda a: F.sigmoid_focal_loss(a, f64(y, False), alpha, gamma, reduction), f64(x))
    # gamma = 0 and alpha < 0: plain BCE with logits
    np.testing.assert_allclose(
        numpy_of(F.sigmoid_focal_loss(f64(x, False), f64(y, False), -1.0, 0.0, "sum")),
        numpy_of(F.binary_cross_entropy_with_logits(f64(x, False), f64(y, False),
                                                    reduction="sum")), rtol=1e-12)


# ---------------------------------------------------------------------------------------------
# KL divergence
# ---------------------------------------------------------------------------------------------


@given(data=st.data(), log_target=st.booleans(),
       reduction=st.sampled_from(["none", "batchmean", "sum"]))
def test_kl_div(data, log_target, reduction):
    n, classes = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 4))
    x = np.log(data.draw(arrays((n, classes), 0.05, 1.0)))
    raw = data.draw(arrays((n, classes), 0.0, 1.0))
    y = raw if not log_target else np.log(raw + 0.05)
    if log_target:
        pointwise = np.exp(y) * (y - x)
    else:
        pointwise = np.array([[0.0 if t == 0 else t * (math.log(t) - v)
                               for t, v in zip(t_row, x_row)] for t_row, x_row in zip(y, x)])
    expected = pointwise if reduction == "none" else pointwise.sum()
    if reduction == "batchmean":
        expected = expected / n
    got = F.kl_div(f64(x, False), f64(y, False), reduction, log_target)
    assert_close(numpy_of(got), expected, np.float64, "kl_div")
    y_grad = y if log_target else nudge_off(y, [0.0]).clip(0.02, None)
    inputs = (f64(x), f64(y_grad))
    gradcheck(lambda a, b: F.kl_div(a, b, reduction, log_target), inputs)
    gradgradcheck(lambda a, b: F.kl_div(a, b, reduction, log_target), inputs)


def test_kl_div_mean_warns_and_zero_target():
    x = minigrad.log(minigrad.tensor([[0.5, 0.5]]))
    with pytest.warns(UserWarning, match="'batchmean'"):
        mean = F.kl_div(x, minigrad.tensor([[1.0, 0.0]]), reduction="mean")
    assert mean.item() == pytest.approx(math.log(2) / 2)  # (1 * (0 - log .5) + 0) / 2
    with pytest.raises(ValueError, match="kl_div: reduction must be one of 'none', 'batchmean'"):
        F.kl_div(x, x, reduction="avg")
    assert nn.KLDivLoss(reduction="batchmean").reduction == "batchmean"


# ---------------------------------------------------------------------------------------------
# Margin and embedding losses
# ---------------------------------------------------------------------------------------------


def multi_margin_reference(x, target, p, margin, weight):
    losses = []
    for row, y in zip(x, target):
        total = 0.0
        for j, value in enumerate(row):
            if j != y:
                hinge = max(0.0, margin - row[y] + value) ** p
                total += hinge * (1.0 if weight is None else weight[y])
        losses.append(total / len(row))
    return np.array(losses)


@given(data=st.data(), p=st.sampled_from([1, 2]), margin=st.sampled_from([1.0, 0.5]),
       reduction=REDUCTIONS)
def test_multi_margin_loss(data, p, margin, reduction):
    n, classes = data.draw(st.integers(1, 3)), data.draw(st.integers(2, 4))
    x = data.draw(arrays((n, classes)))
    target = np.array(data.draw(st.lists(st.integers(0, classes - 1), min_size=n, max_size=n)))
    weight = data.draw(st.none() | arrays((classes,), 0.5, 2.0))
    # keep every margin - x[y] + x[j] off the hinge at 0
    for i in range(n):
        for j in range(classes):
            if j != target[i]:
                z = margin - x[i, target[i]] + x[i, j]
                if abs(z) < 0.02:
                    x[i, j] += 0.05
    expected = reduce_reference(multi_margin_reference(x, target, p, margin, weight), reduction)
    w = None if weight is None else f64(weight, False)
    t = minigrad.tensor(target)
    got = F.multi_margin_loss(f64(x, False), t, p, margin, w, reduction)
    assert_close(numpy_of(got), expected, np.float64, "multi_margin_loss")
    gradcheck(lambda a: F.multi_margin_loss(a, t, p, margin, w, reduction), f64(x))
    module = nn.MultiMarginLoss(p, margin, w, reduction)
    assert_close(numpy_of(module(f64(x, False), t)), expected, np.float64, "MultiMarginLoss")


def test_multi_margin_errors_and_unbatched():
    with pytest.raises(ValueError, match="only p == 1 and p == 2 are supported, got 3"):
        nn.MultiMarginLoss(p=3)
    with pytest.raises(IndexError, match="multi_margin_loss: target 3 is out of bounds for 3"):
        F.multi_margin_loss(minigrad.randn(2, 3), minigrad.tensor([0, 3]))
    x = minigrad.tensor([0.1, 0.2, 0.4, 0.8])
    # PyTorch's documented example: loss = (1-(0.8-0.1) + 1-(0.8-0.2) + 1-(0.8-0.4)) / 4
    assert F.multi_margin_loss(x, minigrad.tensor(3)).item() == pytest.approx(0.325)


@given(data=st.data(), margin=st.sampled_from([1.0, 2.0]), reduction=REDUCTIONS)
def test_hinge_embedding_loss(data, margin, reduction):
    shape = data.draw(shapes(min_dims=1, max_dims=2))
    x = nudge_off(data.draw(arrays(shape)), [margin])
    y = data.draw(arrays(shape, -1.0, 1.0).map(lambda a: np.where(a >= 0, 1.0, -1.0)))
    pointwise = np.where(y == 1, x, np.maximum(0.0, margin - x))
    got = F.hinge_embedding_loss(f64(x, False), f64(y, False), margin, reduction)
    assert_close(numpy_of(got), reduce_reference(pointwise, reduction), np.float64, "hinge")
    gradcheck(lambda a: F.hinge_embedding_loss(a, f64(y, False), margin, reduction), f64(x))


@given(data=st.data(), margin=st.sampled_from([0.0, 0.5]), reduction=REDUCTIONS)
def test_cosine_embedding_loss(data, margin, reduction):
    n, d = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 4))
    # magnitudes >= 0.1 keep both vectors away from 0, where the cosine is singular
    signs = arrays((n, d), -1.0, 1.0).map(lambda a: np.where(a >= 0, 1.0, -1.0))
    x1 = data.draw(arrays((n, d), 0.1, 3.0)) * data.draw(signs)
    x2 = data.draw(arrays((n, d), 0.1, 3.0)) * data.draw(signs)
    y = np.array(data.draw(st.lists(st.sampled_from([1.0, -1.0]), min_size=n, max_size=n)))
    losses = []
    for a, b, t in zip(x1, x2, y):
        cos = float(a @ b) / math.sqrt((a @ a + 1e-12) * (b @ b + 1e-12))
        if t == -1 and abs(cos - margin) < 0.02:
            t = 1.0  # keep off the hinge
        losses.append(1 - cos if t == 1 else max(0.0, cos - margin))
        y[len(losses) - 1] = t
    got = F.cosine_embedding_loss(f64(x1, False), f64(x2, False), f64(y, False), margin,
                                  reduction)
    assert_close(numpy_of(got), reduce_reference(losses, reduction), np.float64, "cosine")
    gradcheck(lambda a, b: F.cosine_embedding_loss(a, b, f64(y, False), margin, reduction),
              (f64(x1), f64(x2)))


def test_embedding_losses_errors():
    with pytest.raises(ValueError, match=r"expected input1 and input2 of the same shape \(N, "
                                         r"D\) or \(D,\), got \(2, 3\) and \(2, 4\)"):
        F.cosine_embedding_loss(minigrad.ones(2, 3), minigrad.ones(2, 4), minigrad.ones(2))
    with pytest.raises(ValueError, match=r"expected target of shape \(2,\), got \(3,\)"):
        F.cosine_embedding_loss(minigrad.ones(2, 3), minigrad.ones(2, 3), minigrad.ones(3))
    with pytest.raises(ValueError, match="margin should be in"):
        nn.CosineEmbeddingLoss(margin=2.0)
    single = F.cosine_embedding_loss(minigrad.tensor([1.0, 0.0]), minigrad.tensor([0.0, 1.0]),
                                     minigrad.tensor(1.0))
    assert single.item() == pytest.approx(1.0)


# ---------------------------------------------------------------------------------------------
# Loss modules
# ---------------------------------------------------------------------------------------------


def test_loss_modules_match_functional_forms_and_print_like_pytorch():
    minigrad.manual_seed(0)
    x, y = minigrad.randn(4, 3), minigrad.rand(4, 3)
    labels = minigrad.tensor([0, 2, 1, 2])
    weight = minigrad.tensor([1.0, 2.0, 0.5])
    pairs = [
        (nn.MSELoss(), F.mse_loss(x, y)),
        (nn.L1Loss(reduction="sum"), F.l1_loss(x, y, "sum")),
        (nn.SmoothL1Loss(beta=0.3), F.smooth_l1_loss(x, y, beta=0.3)),
        (nn.HuberLoss(delta=0.4), F.huber_loss(x, y, delta=0.4)),
        (nn.BCEWithLogitsLoss(pos_weight=weight), F.binary_cross_entropy_with_logits(
            x, y, pos_weight=weight)),
        (nn.BCELoss(weight=weight), F.binary_cross_entropy(y, y, weight)),
        (nn.KLDivLoss(reduction="batchmean"), F.kl_div(x, y, "batchmean")),
        (nn.HingeEmbeddingLoss(margin=0.5), F.hinge_embedding_loss(x, y, 0.5)),
    ]
    for module, expected in pairs:
        first = y if isinstance(module, nn.BCELoss) else x
        np.testing.assert_array_equal(module(first, y).numpy(), expected.numpy())
    ce = nn.CrossEntropyLoss(weight=weight, label_smoothing=0.1)
    np.testing.assert_array_equal(ce(x, labels).numpy(),
                                  F.cross_entropy(x, labels, weight, label_smoothing=0.1).numpy())
    nll = nn.NLLLoss(ignore_index=2)
    np.testing.assert_array_equal(nll(x, labels).numpy(),
                                  F.nll_loss(x, labels, ignore_index=2).numpy())
    assert repr(nn.CrossEntropyLoss()) == "CrossEntropyLoss()"
    assert repr(nn.MSELoss()) == "MSELoss()"
    assert [n for n, _ in ce.named_buffers()] == ["weight"]
    assert ce.state_dict()["weight"].shape == (3,)


def test_loss_module_weights_follow_to():
    criterion = nn.CrossEntropyLoss(weight=minigrad.tensor([1.0, 2.0]))
    criterion.double()
    assert criterion.weight.dtype == minigrad.float64
    logits = minigrad.randn(3, 2, dtype=minigrad.float64, requires_grad=True)
    criterion(logits, minigrad.tensor([0, 1, 1])).backward()
    assert logits.grad.dtype == minigrad.float64
    with pytest.raises(TypeError, match="CrossEntropyLoss: weight must be a Tensor or None"):
        nn.CrossEntropyLoss(weight=[1.0, 2.0])


def test_training_a_classifier_reduces_the_loss():
    minigrad.manual_seed(0)
    x = minigrad.randn(64, 2)
    labels = minigrad.tensor((x.numpy()[:, 0] + x.numpy()[:, 1] > 0).astype(np.int64))
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2))
    criterion = nn.CrossEntropyLoss()
    first = None
    for _ in range(60):
        loss = criterion(model(x), labels)
        first = loss.item() if first is None else first
        model.zero_grad()
        loss.backward()
        with minigrad.no_grad():
            for p in model.parameters():
                p.sub_(p.grad * 0.5)
    assert loss.item() < 0.3 * first
