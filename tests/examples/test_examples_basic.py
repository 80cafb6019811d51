"""Smoke tests of the first examples (examples/softmax_regression.py, mlp.py, lenet.py,
house_prices.py) and of their shared helpers (examples/common.py).

Each example runs in-process as ``main([... '--fast'])`` -- a few batches on the bundled data --
and must bring its loss down from the untrained model's; the helpers are checked against small
hand-worked cases.
"""

from __future__ import annotations

import importlib
import math
import sys
from pathlib import Path

import numpy as np
import pytest

import minigrad
from minigrad.utils.plot import plotting_available

EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "examples"
if str(EXAMPLES_DIR) not in sys.path:
    sys.path.insert(0, str(EXAMPLES_DIR))


def example(name: str):
    """The module examples/<name>.py."""
    return importlib.import_module(name)


# ---------------------------------------------------------------------------------------------
# examples/common.py
# ---------------------------------------------------------------------------------------------

def test_accuracy_counts_argmax_hits():
    common = example("common")
    logits = minigrad.tensor([[0.1, 0.9, 0.0], [2.0, 1.0, 0.0], [0.0, 0.0, 3.0],
                              [1.0, 5.0, 2.0]])
    labels = minigrad.tensor([1, 0, 1, 2])
    assert common.accuracy(logits, labels) == pytest.approx(2 / 4)


def test_evaluate_weights_batches_by_size_and_restores_train_mode():
    common = example("common")
    from minigrad import nn
    from minigrad.data import DataLoader, TensorDataset

    x = minigrad.tensor(np.eye(5, 3, dtype=np.float32) * 4.0)
    y = minigrad.tensor([0, 1, 2, 0, 1])
    model = nn.Sequential(nn.Identity()) if hasattr(nn, "Identity") else (lambda t: t)
    result = common.evaluate(model, DataLoader(TensorDataset(x, y), batch_size=2))
    # rows 0..2 are one-hot at their label; rows 3, 4 are all zero -> argmax 0: right for
    # row 3 (label 0), wrong for row 4 (label 1)
    assert result == {"acc": pytest.approx(4 / 5)}
    if hasattr(model, "training"):
        assert model.training


def test_make_parser_common_flags_and_report_line(capsys):
    common = example("common")
    args = common.make_parser("test", epochs=7).parse_args(["--fast", "--device", "cpu"])
    assert (args.fast, args.epochs, args.device, args.data) == (True, 7, "cpu", "bundled")
    line = common.report("demo", {"acc": 0.8125, "loss": 1.5e-05, "epochs": 3})
    assert line == "RESULT demo acc=0.8125 loss=1.5e-05 epochs=3"
    assert capsys.readouterr().out.strip() == line


def test_limit_stops_after_max_batches():
    common = example("common")
    assert list(common.limit(iter(range(10)), 3)) == [0, 1, 2]
    assert list(common.limit(range(4), None)) == [0, 1, 2, 3]


# ---------------------------------------------------------------------------------------------
# The examples, --fast
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("impl", ["scratch", "concise"])
def test_softmax_regression_fast_learns(impl, tmp_path):
    result = example("softmax_regression").main(["--fast", "--impl", impl,
                                                 "--out", str(tmp_path)])
    assert result["test_loss"] < result["initial_test_loss"] - 0.5
    assert result["test_acc"] > 0.5  # chance is 0.1
    if plotting_available():
        assert (tmp_path / f"softmax_regression_{impl}.png").is_file()


def test_softmax_scratch_pieces_match_plain_numpy():
    module = example("softmax_regression")
    logits = np.array([[1.0, 2.0, 3.0], [1000.0, 0.0, -1000.0]])
    labels = np.array([2, 0])
    probs = module.softmax(minigrad.tensor(logits)).numpy()
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    expected = shifted / shifted.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(probs, expected, rtol=1e-12)
    losses = module.cross_entropy(minigrad.tensor(expected), minigrad.tensor(labels)).numpy()
    np.testing.assert_allclose(losses, [-math.log(expected[0, 2]), -math.log(expected[1, 0])],
                               rtol=1e-12)


def test_mlp_train_fast_learns(tmp_path):
    result = example("mlp").main(["--fast", "--out", str(tmp_path)])
    assert result["test_loss"] < result["initial_test_loss"] - 0.5


def test_mlp_overfit_fast_runs_three_models(tmp_path):
    result = example("mlp").main(["--fast", "--demo", "overfit", "--out", str(tmp_path)])
    for key in ("underfit", "overfit", "regularized"):
        assert result[f"{key}_test_loss"] < result[f"{key}_initial_test_loss"]


def test_mlp_init_fast_small_normal_init_vanishes(tmp_path):
    result = example("mlp").main(["--fast", "--demo", "init", "--out", str(tmp_path)])
    # N(0, 0.01^2) in 256-wide layers scales the signal by about 0.01 * sqrt(256 / 2) ~ 0.11
    # per layer: after 5 layers it is ~1e-5 of Kaiming's, which keeps it near constant
    assert result["normal_last_layer_std"] < 1e-3 * result["kaiming_last_layer_std"]
    assert result["kaiming_last_layer_std"] > 0.1
    assert result["kaiming_test_loss"] < result["kaiming_initial_test_loss"]


def test_lenet_batch_norm_fast_learns(tmp_path):
    result = example("lenet").main(["--fast", "--act", "relu", "--batch-norm",
                                    "--out", str(tmp_path)])
    assert result["test_loss"] < result["initial_test_loss"] - 0.5
    if plotting_available():
        assert (tmp_path / "lenet_relu_bn_curves.png").is_file()


def test_lenet_shapes_follow_the_paper():
    module = example("lenet")
    for batch_norm in (False, True):
        model = module.lenet("sigmoid", batch_norm)
        model.eval()
        with minigrad.no_grad():
            assert model(minigrad.zeros(2, 1, 28, 28)).shape == (2, 10)
    # 156 + 2,416 + 48,120 + 10,164 + 850 weights and biases, as in LeCun et al. (C1..F6 + out)
    plain = module.lenet("relu", False)
    assert sum(p.numel() for p in plain.parameters()) == 61706


def test_house_prices_fast_learns(tmp_path):
    result = example("house_prices").main(["--fast", "--out", str(tmp_path)])
    assert result["test_log_rmse"] < result["initial_test_log_rmse"]
    assert result["best_weight_decay"] in (0.0, 1e-3)


def test_house_prices_preprocessor_standardises_and_one_hots():
    module = example("house_prices")
    names = ["A", "CHAS", "B"]
    x = np.array([[1.0, 0.0, 5.0], [3.0, 1.0, 6.0], [np.nan, 1.0, 7.0], [2.0, 0.0, 8.0]])
    prep = module.Preprocessor(names, drop=("B",)).fit(x)
    out = prep.transform(x)
    # A: mean of 1, 3, 2 is 2 and its population std sqrt(2/3); the missing value -> 0
    std = math.sqrt(2 / 3)
    expected = np.array([[-1 / std, 1, 0], [1 / std, 0, 1], [0, 0, 1], [0, 1, 0]])
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    assert prep.column_names() == ["A", "CHAS=0", "CHAS=1"]
