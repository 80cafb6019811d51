"""Tests of examples/gan.py, examples/wgan_gp.py and their judge (examples/judge.py).

* The WGAN-GP gradient penalty: its gradient with respect to the critic's PARAMETERS (a
  gradient of a gradient, through a convolution) against central finite differences in float64;
  its value for a linear critic, where it is known in closed form.
* The judge: the scores of ``evaluate_generated`` against a plain NumPy computation for a
  judge whose logits are set by hand; the cache (a second call loads, other data retrain).
* Each example ``--fast``: losses finite, the discriminator / critic learned something, the
  judge's numbers in range, the PNG grid of samples written and readable.
"""

from __future__ import annotations

import importlib
import math
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad
from minigrad import nn
from minigrad.data import TensorDataset
from minigrad.utils.png import read_png
from tests.strategies import arrays

EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "examples"
if str(EXAMPLES_DIR) not in sys.path:
    sys.path.insert(0, str(EXAMPLES_DIR))


def example(name: str):
    """The module examples/<name>.py."""
    return importlib.import_module(name)


# ---------------------------------------------------------------------------------------------
# The gradient penalty
# ---------------------------------------------------------------------------------------------

def tiny_critic() -> nn.Module:
    """Conv 3x3 (1 -> 2 channels) on a 5x5 image, tanh, linear: 20 + 19 = 39 parameters.  tanh
    is smooth, so finite differences of the penalty are accurate everywhere."""
    minigrad.manual_seed(1)
    return nn.Sequential(nn.Conv2d(1, 2, kernel_size=3), nn.Tanh(), nn.Flatten(),
                         nn.Linear(2 * 3 * 3, 1)).double()


def test_penalty_gradient_matches_finite_differences_on_a_tiny_conv_critic():
    module = example("wgan_gp")
    critic = tiny_critic()
    rng = np.random.default_rng(0)
    real = minigrad.tensor(rng.standard_normal((1, 1, 5, 5)))
    fake = minigrad.tensor(rng.standard_normal((1, 1, 5, 5)))
    epsilon = minigrad.tensor(np.full((1, 1, 1, 1), 0.3))

    penalty = module.gradient_penalty(critic, real, fake, epsilon)
    parameters = list(critic.parameters())
    # the output bias shifts D but not its gradient: the penalty does not depend on it
    analytic = minigrad.grad(penalty, parameters, allow_unused=True)
    assert analytic[-1] is None and all(g is not None for g in analytic[:-1])

    step = 1e-6
    for parameter, gradient in zip(parameters, analytic):
        values = parameter.data  # NumPy on the CPU: perturbed in place, then restored
        numeric = np.zeros(values.shape)
        for index in np.ndindex(values.shape):
            original = values[index]
            values[index] = original + step
            above = module.gradient_penalty(critic, real, fake, epsilon).item()
            values[index] = original - step
            below = module.gradient_penalty(critic, real, fake, epsilon).item()
            values[index] = original
            numeric[index] = (above - below) / (2 * step)
        if gradient is None:
            np.testing.assert_array_equal(numeric, 0.0)
        else:
            assert np.abs(numeric).max() > 1e-4  # the other parameters move the penalty
            np.testing.assert_allclose(gradient.numpy(), numeric, rtol=1e-5, atol=1e-8)


def test_penalty_gradient_matches_a_directional_difference_on_the_example_critic():
    # The critic of wgan_gp.py itself (leaky ReLU, layer norm), 2 images: the derivative of the
    # penalty along a random direction in parameter space, analytic vs central difference
    module = example("wgan_gp")
    minigrad.manual_seed(2)
    critic = module.Critic(channels=2, norm="layer").double()
    rng = np.random.default_rng(1)
    real = minigrad.tensor(rng.uniform(-1, 1, (2, 1, 28, 28)))
    fake = minigrad.tensor(rng.uniform(-1, 1, (2, 1, 28, 28)))
    epsilon = minigrad.tensor(np.array([0.25, 0.8]).reshape(2, 1, 1, 1))
    parameters = list(critic.parameters())
    directions = [rng.standard_normal(p.shape) for p in parameters]

    penalty = module.gradient_penalty(critic, real, fake, epsilon)
    # the biases after the last convolution reach the input gradient only through where the
    # leaky ReLU bends (a zero derivative): grad returns None for the unused ones
    gradients = minigrad.grad(penalty, parameters, allow_unused=True)
    analytic = sum(float((g.numpy() * d).sum())
                   for g, d in zip(gradients, directions) if g is not None)

    def moved(scale: float) -> float:
        for p, d in zip(parameters, directions):
            p.data += scale * d
        value = module.gradient_penalty(critic, real, fake, epsilon).item()
        for p, d in zip(parameters, directions):
            p.data -= scale * d
        return value

    step = 1e-6
    numeric = (moved(step) - moved(-step)) / (2 * step)
    assert abs(numeric) > 1e-3
    assert analytic == pytest.approx(numeric, rel=1e-5)


def test_penalty_of_a_linear_critic_is_the_squared_distance_of_its_norm_from_one():
    # D(x) = <w, x> + b has gradient w everywhere, so the penalty is (||w|| - 1)^2 exactly
    module = example("wgan_gp")
    critic = nn.Sequential(nn.Flatten(), nn.Linear(25, 1)).double()
    w = np.arange(25, dtype=np.float64).reshape(1, 25) / 20.0  # ||w|| = 70 / 20 = 3.5
    critic[1].weight.data[...] = w
    rng = np.random.default_rng(3)
    real = minigrad.tensor(rng.standard_normal((4, 1, 5, 5)))
    fake = minigrad.tensor(rng.standard_normal((4, 1, 5, 5)))
    penalty = module.gradient_penalty(critic, real, fake)
    expected = (math.sqrt((w ** 2).sum()) - 1.0) ** 2
    assert penalty.item() == pytest.approx(expected, rel=1e-10)
    assert expected > 1.0  # the test would notice a penalty of (||w||^2 - 1)^2 or ||w||^2


def test_penalty_rejects_real_and_fake_of_different_shapes():
    module = example("wgan_gp")
    critic = tiny_critic()
    with pytest.raises(ValueError, match=r"gradient_penalty: real and fake must have one shape, "
                                         r"got \(2, 1, 5, 5\) and \(3, 1, 5, 5\)"):
        module.gradient_penalty(critic, minigrad.zeros(2, 1, 5, 5, dtype=minigrad.float64),
                                minigrad.zeros(3, 1, 5, 5, dtype=minigrad.float64))


def test_critic_rejects_batch_norm():
    with pytest.raises(ValueError, match="Critic: norm must be 'layer' or 'none', got 'batch'"):
        example("wgan_gp").Critic(norm="batch")


# ---------------------------------------------------------------------------------------------
# The judge
# ---------------------------------------------------------------------------------------------

def logit_judge() -> nn.Module:
    """A 'judge' whose logits are the first 10 pixels of the image, so a test sets them."""
    judge = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 10, bias=False))
    weight = np.zeros((10, 28 * 28), dtype=np.float32)
    weight[np.arange(10), np.arange(10)] = 1.0
    judge[1].weight.data[...] = weight
    return judge


def images_with_logits(logits: np.ndarray) -> minigrad.Tensor:
    images = np.zeros((len(logits), 1, 28, 28), dtype=np.float32)
    images.reshape(len(logits), -1)[:, :10] = logits
    return minigrad.tensor(images)


def test_evaluate_generated_matches_plain_numpy():
    judging = example("judge")
    rng = np.random.default_rng(4)
    logits = rng.normal(0, 3, (40, 10)).astype(np.float32)
    logits[:, 7] += 2.0  # class 7 predicted more often: the histogram is not uniform
    labels = rng.integers(0, 10, 40)
    scores = judging.evaluate_generated(images_with_logits(logits), logit_judge(),
                                        conditioned_labels=minigrad.tensor(labels))

    probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    predicted = logits.argmax(axis=1)
    histogram = np.array([np.sum(predicted == k) for k in range(10)]) / 40
    entropy = -sum(p * math.log(p) for p in histogram if p > 0)
    assert scores["entropy"] == pytest.approx(entropy, rel=1e-9)
    assert 0 < scores["entropy"] < math.log(10) - 0.05
    assert scores["confidence"] == pytest.approx(probabilities.max(axis=1).mean(), rel=1e-5)
    assert scores["histogram"] == pytest.approx(histogram.tolist())
    assert scores["conditional_accuracy"] == pytest.approx(np.mean(predicted == labels))


@given(logits=arrays(st.tuples(st.integers(1, 20), st.just(10)), low=-20.0, high=20.0))
def test_evaluate_generated_property(logits):
    judging = example("judge")
    logits = logits.astype(np.float32)
    scores = judging.evaluate_generated(images_with_logits(logits), logit_judge())
    shifted = np.exp(logits.astype(np.float64) - logits.max(axis=1, keepdims=True))
    confidence = (1.0 / shifted.sum(axis=1)).mean()  # the largest probability is 1 / sum
    counts = np.bincount(logits.argmax(axis=1), minlength=10)
    assert scores["histogram"] == pytest.approx((counts / len(logits)).tolist())
    assert scores["confidence"] == pytest.approx(confidence, rel=1e-5)
    assert 0.1 - 1e-6 <= scores["confidence"] <= 1.0 + 1e-6
    assert 0.0 <= scores["entropy"] <= math.log(min(len(logits), 10)) + 1e-9


def test_evaluate_generated_extremes():
    judging = example("judge")
    uniform = images_with_logits(np.eye(10, dtype=np.float32).repeat(3, axis=0) * 50.0)
    scores = judging.evaluate_generated(uniform, logit_judge(),
                                        conditioned_labels=minigrad.arange(30) // 3)
    assert scores["entropy"] == pytest.approx(math.log(10))
    assert scores["confidence"] == pytest.approx(1.0)
    assert scores["conditional_accuracy"] == 1.0
    collapsed = images_with_logits(np.tile(np.eye(10, dtype=np.float32)[4], (6, 1)))
    scores = judging.evaluate_generated(collapsed, logit_judge())
    assert scores["entropy"] == 0.0
    assert "conditional_accuracy" not in scores
    # logits (0, .., 1, .., 0): the largest probability is e / (e + 9)
    assert scores["confidence"] == pytest.approx(math.e / (math.e + 9), rel=1e-6)


def test_evaluate_generated_rejects_bad_shapes():
    judging = example("judge")
    with pytest.raises(ValueError, match=r"evaluate_generated: expected images of shape "
                                         r"\(N, 1, 28, 28\), got \(4, 28, 28\)"):
        judging.evaluate_generated(minigrad.zeros(4, 28, 28), logit_judge())
    with pytest.raises(ValueError, match=r"conditioned_labels must have shape \(4,\), got "
                                         r"\(3,\)"):
        judging.evaluate_generated(minigrad.zeros(4, 1, 28, 28), logit_judge(),
                                   conditioned_labels=minigrad.zeros(3, dtype=minigrad.int64))


def test_histogram_entropy_by_hand():
    judging = example("judge")
    assert judging.histogram_entropy([2, 2, 0, 4]) == pytest.approx(
        -(0.25 * math.log(0.25) * 2 + 0.5 * math.log(0.5)))
    assert judging.histogram_entropy([0, 9, 0]) == 0.0


def test_judge_cache_is_reused_and_keyed_by_the_data(tmp_path):
    judging = example("judge")
    rng = np.random.default_rng(5)
    images = minigrad.tensor(rng.uniform(0, 1, (96, 1, 28, 28)).astype(np.float32))
    labels = minigrad.tensor(rng.integers(0, 10, 96))
    train, test = TensorDataset(images[:64], labels[:64]), TensorDataset(images[64:],
                                                                         labels[64:])
    first, info = judging.load_or_train_judge(tmp_path, train, test, epochs=1, max_batches=1)
    assert not info["cached"] and Path(info["path"]).is_file()
    second, again = judging.load_or_train_judge(tmp_path, train, test, epochs=1, max_batches=1)
    assert again["cached"] and again["path"] == info["path"]
    assert again["test_acc"] == info["test_acc"]
    for a, b in zip(first.parameters(), second.parameters()):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    # a damaged file is not trusted: the judge is trained again and the file rewritten
    Path(info["path"]).write_bytes(b"not a checkpoint")
    _, retrained = judging.load_or_train_judge(tmp_path, train, test, epochs=1, max_batches=1)
    assert not retrained["cached"] and retrained["path"] == info["path"]
    assert judging.load_or_train_judge(tmp_path, train, test, epochs=1,
                                       max_batches=1)[1]["cached"]
    # one changed label is other data: a new key, so a fresh judge, in a file of its own
    changed = labels[:64].numpy().copy()
    changed[0] = (changed[0] + 1) % 10
    other, fresh = judging.load_or_train_judge(
        tmp_path, TensorDataset(images[:64], minigrad.tensor(changed)), test, epochs=1,
        max_batches=1)
    assert not fresh["cached"] and fresh["path"] != info["path"]


# ---------------------------------------------------------------------------------------------
# The examples, --fast (one output folder, so the judge is trained once and then loaded)
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def out_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("gans")


def check_scores(result: dict, conditional: bool = False) -> None:
    for key in ("entropy", "initial_entropy", "real_entropy"):
        assert 0.0 <= result[key] <= math.log(10) + 1e-9
    for key in ("confidence", "initial_confidence", "real_confidence"):
        assert 0.1 <= result[key] <= 1.0  # the largest of 10 probabilities is at least 0.1
    assert 0.0 <= result["judge_test_acc"] <= 1.0
    if conditional:
        assert 0.0 <= result["conditional_accuracy"] <= 1.0


def check_grid(path: Path, rows: int) -> None:
    """The sample grid parses back as a PNG of ``rows`` x 8 digits drawn at 2x (56 pixels) with
    2-pixel borders, and the digits are not blank."""
    pixels = read_png(path)
    assert pixels.shape == (rows * 58 + 2, 8 * 58 + 2)
    first_digit = pixels[2:58, 2:58]
    assert first_digit.std() > 0


@pytest.mark.parametrize("arch, conditional", [("mlp", False), ("dcgan", False),
                                               ("mlp", True), ("dcgan", True)])
def test_gan_fast(arch, conditional, out_dir):
    argv = ["--fast", "--arch", arch, "--out", str(out_dir)]
    result = example("gan").main(argv + (["--conditional"] if conditional else []))
    assert math.isfinite(result["loss_d"]) and math.isfinite(result["loss_g"])
    # an untrained D says 1/2 to everything: loss 2 ln 2; a few steps must bring it below
    assert result["loss_d"] < 2 * math.log(2)
    check_scores(result, conditional)
    name = f"gan_{arch}" + ("_cond" if conditional else "")
    check_grid(out_dir / f"{name}_samples.png", rows=10 if conditional else 8)


def test_wgan_gp_fast(out_dir):
    result = example("wgan_gp").main(["--fast", "--out", str(out_dir)])
    assert math.isfinite(result["loss_g"]) and math.isfinite(result["penalty"])
    assert result["generator_steps"] == 5  # 10 critic steps, a generator step every 2
    # the critic separates real from generated digits within a few steps: a positive estimate
    assert result["wasserstein"] > 0.0
    check_scores(result)
    check_grid(out_dir / "wgan_gp_samples.png", rows=8)
