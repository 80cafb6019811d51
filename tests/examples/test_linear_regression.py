"""examples/linear_regression.py recovers the true parameters (it exits 1 when it does not)."""

import os
import sys

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "examples")
sys.path.insert(0, EXAMPLES)

import linear_regression  # noqa: E402


def test_linear_regression_recovers_parameters(capsys):
    assert linear_regression.main([]) == 0
    output = capsys.readouterr().out
    assert "epoch 3" in output and "error in w" in output
