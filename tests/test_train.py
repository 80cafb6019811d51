"""EarlyStopping: patience, min_delta, modes, keeping and restoring the best weights."""

import numpy as np
import pytest

import minigrad
from minigrad import nn
from minigrad.train import EarlyStopping


def run(stopper, metrics, model=None, on_step=None):
    """Feed metrics until step says stop; return the index of the stopping step (or None)."""
    for epoch, metric in enumerate(metrics):
        if on_step is not None:
            on_step(epoch)
        if stopper.step(metric, model):
            return epoch
    return None


@pytest.mark.parametrize("patience", [0, 1, 3])
def test_stops_after_patience_epochs_without_improvement(patience):
    metrics = [1.0, 0.5] + [0.6] * 10
    stopper = EarlyStopping(patience=patience)
    stopped = run(stopper, metrics)
    # the first bad epoch is 2; patience 0 stops there, as patience 1 does
    assert stopped == 1 + max(patience, 1)
    assert (stopper.best, stopper.best_epoch) == (0.5, 1)


def test_patience_counts_consecutive_bad_epochs_only():
    stopper = EarlyStopping(patience=2)
    assert run(stopper, [1.0, 1.1, 0.9, 1.0, 0.8, 0.85, 0.9, 0.95]) == 6
    assert (stopper.best, stopper.best_epoch, stopper.num_bad_epochs) == (0.8, 4, 2)


def test_min_delta():
    # improvements of 0.05 do not count when min_delta is 0.1
    stopper = EarlyStopping(patience=2, min_delta=0.1)
    assert run(stopper, [1.0, 0.95, 0.9, 0.7]) == 2
    assert stopper.best == 1.0
    stopper = EarlyStopping(patience=2, min_delta=0.1)
    assert run(stopper, [1.0, 0.85, 0.7, 0.55]) is None
    assert stopper.best == 0.55


def test_max_mode_and_tensor_metrics():
    stopper = EarlyStopping(patience=1, mode="max")
    accuracies = [minigrad.tensor(a) for a in [0.5, 0.7, 0.6]]
    assert run(stopper, accuracies) == 2
    assert stopper.best == pytest.approx(0.7) and stopper.best_epoch == 1


def test_nan_is_never_an_improvement():
    stopper = EarlyStopping(patience=1)
    assert run(stopper, [1.0, float("nan")]) == 1
    assert stopper.best == 1.0


def test_keeps_a_copy_of_the_best_weights_and_restores_them():
    minigrad.manual_seed(0)
    model = nn.Linear(3, 2)
    snapshots = []

    def train_a_little(epoch):
        with minigrad.no_grad():
            for param in model.parameters():
                param.add_(1.0)                  # the weights change every epoch, in place
        snapshots.append({k: v.numpy().copy() for k, v in model.state_dict().items()})

    stopper = EarlyStopping(patience=2)
    stopped = run(stopper, [3.0, 2.0, 1.0, 1.5, 1.2, 0.5], model, on_step=train_a_little)
    assert stopped == 4 and stopper.best_epoch == 2
    for key, value in model.state_dict().items():       # restored on stop
        np.testing.assert_array_equal(value.numpy(), snapshots[2][key])
    for key, value in stopper.best_state.items():
        np.testing.assert_array_equal(value.numpy(), snapshots[2][key])


def test_restore_by_hand_and_without_automatic_restore():
    model = nn.Linear(2, 1)
    stopper = EarlyStopping(patience=1, restore_best=False)
    with pytest.raises(RuntimeError, match="no best state was recorded"):
        stopper.restore(model)
    stopper.step(1.0, model)
    best = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    with minigrad.no_grad():
        model.weight.mul_(0.0)
    assert stopper.step(2.0, model) is True
    np.testing.assert_array_equal(model.weight.detach().numpy(), 0.0)     # not restored
    stopper.restore(model)
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), best[key])


def test_state_dict_round_trip():
    stopper = EarlyStopping(patience=3)
    run(stopper, [1.0, 0.9, 0.95])
    resumed = EarlyStopping(patience=3)
    resumed.load_state_dict(stopper.state_dict())
    assert run(resumed, [0.97, 0.99]) == 1                # 3 bad epochs in a row in all
    assert (resumed.best, resumed.best_epoch, resumed.epoch) == (0.9, 1, 5)


@pytest.mark.parametrize("kwargs,message", [
    (dict(patience=-1), "patience must be an int >= 0, got -1"),
    (dict(min_delta=-0.1), "min_delta must be >= 0, got -0.1"),
    (dict(mode="lowest"), "mode must be 'min' or 'max', got 'lowest'"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        EarlyStopping(**kwargs)
