"""Smoke tests of the CNN-family and transfer examples: examples/modern_cnn.py (every --arch),
transfer_learning.py, digit_adder.py and distillation.py.

Each example runs in-process as ``main(['--fast', ...])`` -- a few batches of the bundled data --
and must bring its training loss down; the building blocks are checked for their output shapes
and the distillation loss against a plain NumPy computation.
"""

from __future__ import annotations

import importlib
import math
import sys
from pathlib import Path

import numpy as np
import pytest

import minigrad
from minigrad.data import DataLoader, TensorDataset

EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "examples"
if str(EXAMPLES_DIR) not in sys.path:
    sys.path.insert(0, str(EXAMPLES_DIR))


def example(name: str):
    """The module examples/<name>.py."""
    return importlib.import_module(name)


def assert_went_down(metrics: dict, first: str, last: str) -> None:
    assert math.isfinite(metrics[first]) and math.isfinite(metrics[last])
    assert metrics[last] < metrics[first], (first, metrics[first], last, metrics[last])


# ---------------------------------------------------------------------------------------------
# examples/modern_cnn.py
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("arch", ["alexnet", "vgg", "nin", "googlenet", "resnet", "densenet"])
def test_modern_cnn_fast_run_lowers_the_loss(arch):
    metrics = example("modern_cnn").main(["--fast", "--arch", arch])
    assert metrics["arch"] == arch
    assert_went_down(metrics, "first_loss", "last_loss")
    assert 0.0 <= metrics["test_acc"] <= 1.0


@pytest.mark.parametrize("arch", ["alexnet", "vgg", "nin", "googlenet", "resnet", "densenet"])
def test_modern_cnn_maps_images_to_ten_logits(arch):
    modern_cnn = example("modern_cnn")
    minigrad.manual_seed(0)
    model = modern_cnn.BUILDERS[arch]()
    model.eval()
    with minigrad.no_grad():
        logits = model(minigrad.rand(2, 1, 28, 28))
    assert logits.shape == (2, 10)


@minigrad.no_grad()
def test_blocks_have_the_documented_output_shapes():
    modern_cnn = example("modern_cnn")
    x = minigrad.rand(2, 8, 12, 12)
    inception = modern_cnn.Inception(8, 4, (4, 6), (2, 3), 5)
    assert inception(x).shape == (2, 4 + 6 + 3 + 5, 12, 12)
    assert modern_cnn.Residual(8, 8)(x).shape == (2, 8, 12, 12)
    assert modern_cnn.Residual(8, 16, stride=2)(x).shape == (2, 16, 6, 6)
    assert modern_cnn.Bottleneck(8, 4, 16, stride=2)(x).shape == (2, 16, 6, 6)
    dense = modern_cnn.DenseBlock(3, 8, growth_rate=5)
    y = dense(x)
    assert y.shape == (2, 8 + 3 * 5, 12, 12) and dense.out_channels == 23
    # a dense block keeps its input as the first channels
    np.testing.assert_array_equal(y.numpy()[:, :8], x.numpy())
    assert modern_cnn.transition_block(23, 11)(y).shape == (2, 11, 6, 6)
    assert modern_cnn.vgg_block(2, 8, 4)(x).shape == (2, 4, 6, 6)
    assert modern_cnn.nin_block(8, 4, kernel_size=3, padding=1)(x).shape == (2, 4, 12, 12)


# ---------------------------------------------------------------------------------------------
# examples/transfer_learning.py
# ---------------------------------------------------------------------------------------------

def test_transfer_learning_fast_run_lowers_every_loss():
    metrics = example("transfer_learning").main(["--fast"])
    assert_went_down(metrics, "pretrain_first_loss", "pretrain_last_loss")
    for method in ("scratch", "finetune", "frozen"):
        assert_went_down(metrics, f"{method}_10_first_loss", f"{method}_10_last_loss")
        assert 0.0 <= metrics[f"{method}_10_acc"] <= 1.0


def test_frozen_transfer_leaves_the_pretrained_features_alone():
    transfer_learning = example("transfer_learning")
    minigrad.manual_seed(0)
    pretrained = transfer_learning.feature_extractor()
    before = {k: v.numpy().copy() for k, v in pretrained.state_dict().items()}
    images = minigrad.rand(10, 1, 28, 28)
    labels = minigrad.tensor([0, 1, 2, 3, 4] * 2)
    data = TensorDataset(images, labels)
    args = transfer_learning.make_parser("t").parse_args([])
    args.steps = 2
    loader = DataLoader(data, batch_size=10)
    for method in ("frozen", "finetune"):
        transfer_learning.transfer(method, pretrained, data, loader, args)
    # the pretrained extractor is copied, never trained in place
    for key, value in pretrained.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), before[key])


def test_split_classes_and_few_shot_pick_and_relabel():
    transfer_learning = example("transfer_learning")
    labels = minigrad.tensor([5, 0, 7, 9, 5, 3, 6, 8, 9, 7, 6, 8])
    images = minigrad.arange(12).float().reshape(12, 1)
    target = transfer_learning.split_classes(
        TensorDataset(images, labels), range(5, 10))
    kept_images, kept_labels = target.tensors
    assert kept_images.reshape(-1).tolist() == [0, 2, 3, 4, 6, 7, 8, 9, 10, 11]
    assert kept_labels.tolist() == [0, 2, 4, 0, 1, 3, 4, 2, 1, 3]
    one_each = transfer_learning.few_shot(target, 1, 5)
    assert sorted(one_each.tensors[1].tolist()) == [0, 1, 2, 3, 4]
    assert one_each.tensors[0].reshape(-1).tolist() == [0, 2, 3, 6, 7]


# ---------------------------------------------------------------------------------------------
# examples/digit_adder.py
# ---------------------------------------------------------------------------------------------

def test_digit_adder_fast_run_lowers_every_loss():
    metrics = example("digit_adder").main(["--fast"])
    assert_went_down(metrics, "digit_first_loss", "digit_last_loss")
    for variant in ("scratch", "frozen", "finetune"):
        assert_went_down(metrics, f"{variant}_first_loss", f"{variant}_last_loss")
        assert 0.0 <= metrics[f"{variant}_sum_acc"] <= 1.0


def test_pairs_are_labelled_with_the_sum():
    digit_adder = example("digit_adder")
    images = minigrad.arange(5).float().reshape(5, 1, 1, 1) * minigrad.ones(5, 1, 28, 28)
    labels = minigrad.tensor([3, 1, 4, 1, 5])
    pairs = digit_adder.make_pairs(TensorDataset(images, labels), 20,
                                   np.random.default_rng(0))
    pair_images, sums = pairs.tensors
    assert pair_images.shape == (20, 2, 28, 28)
    first = pair_images.numpy()[:, 0, 0, 0].astype(int)
    second = pair_images.numpy()[:, 1, 0, 0].astype(int)
    assert (first != second).all()
    np.testing.assert_array_equal(sums.numpy(), labels.numpy()[first] + labels.numpy()[second])
    model = digit_adder.DigitAdder(digit_adder.encoder())
    assert model(pair_images[:3]).shape == (3, 19)


# ---------------------------------------------------------------------------------------------
# examples/distillation.py
# ---------------------------------------------------------------------------------------------

def test_distillation_fast_run_lowers_every_loss():
    metrics = example("distillation").main(["--fast"])
    for name in ("teacher", "student", "distilled"):
        assert_went_down(metrics, f"{name}_first_loss", f"{name}_last_loss")
    for name in ("teacher_acc", "student_acc", "distilled_acc"):
        assert 0.0 <= metrics[name] <= 1.0


def test_distillation_loss_matches_numpy():
    distillation = example("distillation")
    rng = np.random.default_rng(0)
    student = rng.normal(size=(4, 3))
    teacher = rng.normal(size=(4, 3)) * 3
    labels = np.array([0, 2, 1, 2])
    T, alpha = 3.0, 0.7

    def softmax(z):
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    p, q = softmax(teacher / T), softmax(student / T)
    kl = (p * (np.log(p) - np.log(q))).sum(axis=1).mean()
    ce = -np.log(softmax(student)[np.arange(4), labels]).mean()
    expected = alpha * T * T * kl + (1 - alpha) * ce
    loss = distillation.distillation_loss(minigrad.tensor(student), minigrad.tensor(teacher),
                                          minigrad.tensor(labels), T, alpha)
    assert loss.item() == pytest.approx(expected, rel=1e-10)
