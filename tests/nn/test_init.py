"""nn.init: gains, fans, and the statistics of every initialiser on large tensors.

Expected statistics are derived here from the definitions (e.g. U(-b, b) has standard deviation
b / sqrt(3)); with 10^5 samples the sample mean and standard deviation are within about 1% of
their true values, so the tolerances below (3%) are several standard errors wide and still fail
for a wrong fan or gain (which changes the scale by 20% or more).
"""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad
from minigrad import nn
from minigrad.nn import init
from tests.harness import devices

ROWS, COLS = 250, 400  # fan_in 400, fan_out 250, 10^5 elements


def big(*shape, dtype=minigrad.float32, device="cpu"):
    return minigrad.empty(*(shape or (ROWS, COLS)), dtype=dtype, device=device)


def stats(tensor):
    values = tensor.cpu().detach().numpy().astype(np.float64)
    return values.mean(), values.std()


def assert_std(tensor, expected_std, mean=0.0):
    got_mean, got_std = stats(tensor)
    assert abs(got_std - expected_std) < 0.03 * expected_std, (got_std, expected_std)
    assert abs(got_mean - mean) < 0.03 * expected_std + 1e-12, (got_mean, mean)


def test_calculate_gain():
    assert init.calculate_gain("linear") == 1.0
    assert init.calculate_gain("conv2d") == 1.0
    assert init.calculate_gain("sigmoid") == 1.0
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(2 ** 0.5)
    assert init.calculate_gain("leaky_relu") == pytest.approx((2 / (1 + 0.01 ** 2)) ** 0.5)
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx((2 / 1.04) ** 0.5)
    assert init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="Unsupported nonlinearity swish"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="negative_slope abc not a valid number"):
        init.calculate_gain("leaky_relu", "abc")


def test_fans():
    fan = init._calculate_fan_in_and_fan_out
    assert fan(minigrad.empty(5, 3)) == (3, 5)
    assert fan(minigrad.empty(6, 4, 3, 3)) == (36, 54)  # conv weight (out, in, kh, kw)
    assert fan(minigrad.empty(2, 7, 5)) == (35, 10)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        fan(minigrad.empty(5))


@pytest.mark.parametrize("device", devices())
def test_uniform_and_normal(device):
    minigrad.manual_seed(0)
    t = init.uniform_(big(device=device), -2.0, 3.0)
    values = t.cpu().numpy()
    assert values.min() >= -2.0 and values.max() <= 3.0
    assert_std(t, 5 / math.sqrt(12), mean=0.5)
    t = init.normal_(big(device=device), 1.5, 0.5)
    assert_std(t, 0.5, mean=1.5)
    assert t.dtype == minigrad.float32 and t.device == minigrad.device(device)
    with pytest.raises(ValueError, match="uniform_: expects a <= b"):
        init.uniform_(big(), 1.0, 0.0)
    with pytest.raises(ValueError, match="normal_: expects std >= 0"):
        init.normal_(big(), 0.0, -1.0)


def test_constant_zeros_ones_eye():
    t = minigrad.empty(3, 4)
    assert (init.constant_(t, 2.5).numpy() == 2.5).all()
    assert (init.zeros_(t).numpy() == 0).all()
    assert (init.ones_(t).numpy() == 1).all()
    np.testing.assert_array_equal(init.eye_(t).numpy(), np.eye(3, 4))
    with pytest.raises(ValueError, match=r"eye_: only 2-D tensors are supported, got shape "
                                         r"\(2, 2, 2\)"):
        init.eye_(minigrad.empty(2, 2, 2))


def test_xavier():
    minigrad.manual_seed(1)
    bound = math.sqrt(6 / (COLS + ROWS))
    t = init.xavier_uniform_(big())
    values = t.numpy()
    assert values.min() >= -bound and values.max() <= bound
    assert_std(t, bound / math.sqrt(3))
    assert_std(init.xavier_uniform_(big(), gain=2.0), 2 * bound / math.sqrt(3))
    assert_std(init.xavier_normal_(big()), math.sqrt(2 / (COLS + ROWS)))
    # conv weight: fan_in = 8 * 9, fan_out = 16 * 9
    assert_std(init.xavier_normal_(big(16, 8, 30, 30)), math.sqrt(2 / (8 * 900 + 16 * 900)))


def test_kaiming():
    minigrad.manual_seed(2)
    t = init.kaiming_uniform_(big(), nonlinearity="relu")
    bound = math.sqrt(2) * math.sqrt(3 / COLS)
    values = t.numpy()
    assert values.min() >= -bound and values.max() <= bound
    assert_std(t, bound / math.sqrt(3))
    assert_std(init.kaiming_normal_(big(), nonlinearity="relu"), math.sqrt(2 / COLS))
    assert_std(init.kaiming_normal_(big(), mode="fan_out", nonlinearity="relu"),
               math.sqrt(2 / ROWS))
    # default: leaky_relu with a = 0 -> gain sqrt(2); with a = sqrt(5): gain sqrt(1/3)
    assert_std(init.kaiming_normal_(big()), math.sqrt(2 / COLS))
    assert_std(init.kaiming_uniform_(big(), a=math.sqrt(5)), 1 / math.sqrt(COLS) / math.sqrt(3))
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(big(), mode="fan_avg")


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 4), (3, 2, 2)])
def test_orthogonal(shape):
    minigrad.manual_seed(3)
    w = init.orthogonal_(minigrad.empty(*shape, dtype=minigrad.float64)).numpy()
    matrix = w.reshape(shape[0], -1)
    rows, cols = matrix.shape
    if rows <= cols:
        np.testing.assert_allclose(matrix @ matrix.T, np.eye(rows), atol=1e-12)
    else:
        np.testing.assert_allclose(matrix.T @ matrix, np.eye(cols), atol=1e-12)
    w = init.orthogonal_(minigrad.empty(*shape, dtype=minigrad.float64), gain=3.0).numpy()
    matrix = w.reshape(shape[0], -1)
    small = min(rows, cols)
    gram = matrix @ matrix.T if rows <= cols else matrix.T @ matrix
    np.testing.assert_allclose(gram, 9.0 * np.eye(small), atol=1e-10)


def test_orthogonal_is_uniformly_distributed():
    # For a Haar-random orthogonal matrix every entry has mean 0.  Without the sign fix QR
    # returns matrices whose diagonal is biased (mean about -0.5), which this catches.
    minigrad.manual_seed(4)
    total = np.zeros((3, 3))
    samples = 1500
    for _ in range(samples):
        total += init.orthogonal_(minigrad.empty(3, 3, dtype=minigrad.float64)).numpy()
    # each entry has variance 1/3: the mean of 1500 has standard error 0.015
    assert np.abs(total / samples).max() < 0.075


def test_orthogonal_rejects_vectors():
    with pytest.raises(ValueError, match="orthogonal_: only tensors with 2 or more dimensions"):
        init.orthogonal_(minigrad.empty(4))


def _truncated_normal_moments(mean, std, a, b):
    """Mean and standard deviation of N(mean, std^2) restricted to [a, b] (textbook formulas)."""
    alpha, beta = (a - mean) / std, (b - mean) / std
    pdf = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda z: 0.5 * (1 + math.erf(z / math.sqrt(2)))  # noqa: E731
    mass = cdf(beta) - cdf(alpha)
    shift = (pdf(alpha) - pdf(beta)) / mass
    variance = 1 + (alpha * pdf(alpha) - beta * pdf(beta)) / mass - shift ** 2
    return mean + std * shift, std * math.sqrt(variance)


@pytest.mark.parametrize("mean,std,a,b", [(0.0, 1.0, -2.0, 2.0), (0.0, 0.02, -0.04, 0.04),
                                          (1.0, 2.0, 0.0, 5.0), (0.0, 1.0, 1.0, 3.0)])
def test_trunc_normal(mean, std, a, b):
    minigrad.manual_seed(5)
    t = init.trunc_normal_(big(dtype=minigrad.float64), mean, std, a, b)
    values = t.numpy()
    assert values.min() >= a and values.max() <= b
    expected_mean, expected_std = _truncated_normal_moments(mean, std, a, b)
    got_mean, got_std = stats(t)
    assert abs(got_std - expected_std) < 0.03 * expected_std
    assert abs(got_mean - expected_mean) < 0.03 * expected_std


def test_trunc_normal_rejects_bad_arguments():
    with pytest.raises(ValueError, match="trunc_normal_: expects a < b"):
        init.trunc_normal_(big(), a=1.0, b=-1.0)
    with pytest.raises(ValueError, match="holds only"):
        init.trunc_normal_(big(), mean=0.0, std=1.0, a=20.0, b=21.0)


def test_init_on_parameters_records_no_graph_and_is_seeded():
    layer = nn.Linear(5, 4)
    for fill in (init.xavier_uniform_, init.kaiming_normal_, init.orthogonal_,
                 init.trunc_normal_, init.zeros_, init.eye_):
        minigrad.manual_seed(9)
        first = fill(layer.weight)
        assert first is layer.weight
        assert layer.weight.requires_grad and layer.weight.is_leaf
        values = layer.weight.detach().numpy().copy()
        minigrad.manual_seed(9)
        fill(layer.weight)
        np.testing.assert_array_equal(values, layer.weight.detach().numpy())
    assert layer.weight.dtype == minigrad.float32


@given(st.integers(1, 6), st.integers(1, 6), st.integers(0, 3))
def test_fan_property(out_channels, in_channels, extra_dims):
    kernel = (2,) * extra_dims
    t = minigrad.empty(out_channels, in_channels, *kernel)
    receptive = 2 ** extra_dims
    assert init._calculate_fan_in_and_fan_out(t) == (in_channels * receptive,
                                                      out_channels * receptive)
    w = init.kaiming_uniform_(t, nonlinearity="relu").numpy()
    bound = math.sqrt(6 / (in_channels * receptive))
    assert np.abs(w).max() <= bound
