"""Dropout, Dropout2d, AlphaDropout: statistics, masks, eval mode, seeding, gradients."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.utils import gradcheck, gradgradcheck
from tests.harness import devices
from tests.strategies import arrays, shapes

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


@pytest.mark.parametrize("device", devices())
@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_statistics(device, p):
    minigrad.manual_seed(0)
    n = 200_000
    y = nn.Dropout(p)(minigrad.ones(n, device=device)).cpu().numpy()
    kept = y != 0
    # kept values are exactly 1 / (1 - p); the kept fraction is 1 - p within 4 standard errors
    np.testing.assert_allclose(y[kept], np.float32(1 / (1 - p)), rtol=1e-6)
    assert abs(kept.mean() - (1 - p)) < 4 * np.sqrt(p * (1 - p) / n)
    assert abs(y.mean() - 1.0) < 4 * np.sqrt(p / (1 - p) / n)  # E[y] = 1, var = p / (1 - p)


def test_dropout_eval_and_edge_probabilities():
    x = minigrad.randn(10, 10)
    layer = nn.Dropout(0.5)
    layer.eval()
    assert layer(x) is x
    assert F.dropout(x, 0.5, training=False) is x
    assert nn.Dropout(0.0)(x) is x
    zeroed = nn.Dropout(1.0)(x)
    assert zeroed.shape == x.shape and not zeroed.numpy().any()
    assert repr(nn.Dropout(0.2)) == "Dropout(p=0.2, inplace=False)"


def test_dropout_gradient_is_the_mask():
    minigrad.manual_seed(1)
    x = minigrad.randn(50, 40, requires_grad=True)
    y = F.dropout(x, 0.3)
    y.sum().backward()
    mask = y.detach().numpy() / np.where(x.detach().numpy() == 0, 1, x.detach().numpy())
    np.testing.assert_allclose(x.grad.numpy(), mask, rtol=1e-5)
    values = np.unique(x.grad.numpy())
    assert values.size == 2 and values[0] == 0.0
    np.testing.assert_allclose(values[1], 1 / 0.7, rtol=1e-6)


def _seeded(function, seed=5):
    """``function`` drawing the same mask on every call (gradcheck calls it many times)."""
    def wrapped(*args):
        minigrad.manual_seed(seed)
        return function(*args)
    return wrapped


@given(x=arrays(shapes(min_dims=1, max_dims=3)), p=st.sampled_from([0.2, 0.5]))
def test_dropout_gradcheck_property(x, p):
    t = minigrad.tensor(x, dtype=minigrad.float64, requires_grad=True)
    gradcheck(_seeded(lambda t: F.dropout(t, p)), t)
    gradgradcheck(_seeded(lambda t: F.dropout(t, p) * t), t)


def test_dropout_is_seeded_and_dtype_preserving():
    x = minigrad.ones(100, dtype=minigrad.float64)
    minigrad.manual_seed(3)
    a = F.dropout(x, 0.5).numpy()
    minigrad.manual_seed(3)
    b = F.dropout(x, 0.5).numpy()
    np.testing.assert_array_equal(a, b)
    assert F.dropout(x, 0.5).dtype == minigrad.float64
    assert F.dropout(minigrad.ones(3), 0.5).dtype == minigrad.float32


@pytest.mark.parametrize("device", devices())
def test_dropout2d_drops_whole_channels(device):
    minigrad.manual_seed(2)
    x = minigrad.ones(64, 32, 5, 5, device=device)
    y = nn.Dropout2d(0.25)(x).cpu().numpy()
    per_channel = y.reshape(64, 32, 25)
    # every channel is all zeros or all 1/(1-p)
    assert ((per_channel == 0).all(axis=2) | (per_channel == np.float32(1 / 0.75)).all(axis=2)
            ).all()
    kept = (per_channel[:, :, 0] != 0).mean()
    assert abs(kept - 0.75) < 4 * np.sqrt(0.25 * 0.75 / (64 * 32))
    # 3-D input: (N, C, L)
    y3 = nn.Dropout2d(0.5)(minigrad.ones(4, 6, 7, device=device)).cpu().numpy()
    assert ((y3 == 0).all(axis=2) | (y3 == 2.0).all(axis=2)).all()
    x2 = minigrad.ones(2, 3, 4, 4)
    assert nn.Dropout2d(0.5).eval()(x2) is x2


def test_dropout2d_gradcheck():
    minigrad.manual_seed(0)
    x = minigrad.randn(2, 3, 2, 2, dtype=minigrad.float64, requires_grad=True)
    gradcheck(_seeded(lambda t: F.dropout2d(t, 0.5)), x)


def test_alpha_dropout_keeps_selu_statistics():
    # Inputs distributed like SELU outputs of N(0, 1) pre-activations have mean 0, variance 1;
    # alpha dropout must keep both (Klambauer et al. 2017).
    minigrad.manual_seed(4)
    z = np.random.default_rng(0).standard_normal(400_000)
    selu = SELU_SCALE * np.where(z > 0, z, SELU_ALPHA * (np.exp(z) - 1))
    x = minigrad.tensor(selu, dtype=minigrad.float64)
    for p in (0.1, 0.3):
        y = F.alpha_dropout(x, p, training=True).numpy()
        assert abs(y.mean() - selu.mean()) < 0.01
        assert abs(y.std() - selu.std()) < 0.01
        # dropped positions all take one value, -a s (1 - p)
        s = SELU_SCALE * SELU_ALPHA
        a = 1 / np.sqrt((s * s * p + 1) * (1 - p))
        kept = np.isclose(y, a * selu + a * s * p)
        np.testing.assert_allclose(y[~kept], -a * s * (1 - p))
        assert abs((~kept).mean() - p) < 0.005


def test_alpha_dropout_eval_and_gradcheck():
    x = minigrad.randn(5)
    assert nn.AlphaDropout(0.2).eval()(x) is x
    assert F.alpha_dropout(x, 0.2) is x  # training=False by default, as in PyTorch
    t = minigrad.randn(6, dtype=minigrad.float64, requires_grad=True)
    gradcheck(_seeded(lambda t: F.alpha_dropout(t, 0.4, training=True)), t)


@pytest.mark.parametrize("bad", [-0.1, 1.5, "0.5", True])
def test_invalid_probability(bad):
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but "
                                         "got"):
        nn.Dropout(bad)
    with pytest.raises(ValueError, match="Dropout2d: dropout probability"):
        nn.Dropout2d(bad)
    with pytest.raises(ValueError, match="AlphaDropout: dropout probability"):
        nn.AlphaDropout(bad)
    with pytest.raises(ValueError, match="dropout: dropout probability"):
        F.dropout(minigrad.ones(2), bad)


def test_dropout2d_rejects_wrong_rank():
    with pytest.raises(ValueError, match=r"dropout2d: expected a 3-D \(N, C, L\) or 4-D "
                                         r"\(N, C, H, W\) input, got shape \(4, 5\)"):
        nn.Dropout2d(0.5)(minigrad.ones(4, 5))


def test_dropout_rejects_non_float_input():
    with pytest.raises(TypeError, match="dropout: expected a floating point tensor, got dtype "
                                        "int64"):
        F.dropout(minigrad.tensor([1, 2]), 0.5)
    with pytest.raises(TypeError, match="dropout2d: expected a Tensor, got list"):
        F.dropout2d([1.0], 0.5)
