"""Helpers for training loops.

Holds:
    EarlyStopping -- stop when a validation metric stops improving, and keep the best weights
"""

from __future__ import annotations

import copy
import math

import numpy as np

from . import backend
from .tensor import Tensor

__all__ = ["EarlyStopping"]


def _copy_state(value):
    """A deep copy of a state_dict: every Tensor and array gets its own memory, so training on
    does not change the saved copy."""
    if isinstance(value, Tensor):
        return Tensor(value.data.copy())
    if isinstance(value, np.ndarray) or backend.is_cuda_array(value):
        return value.copy()
    if isinstance(value, dict):
        return type(value)((key, _copy_state(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return type(value)(_copy_state(item) for item in value)
    return copy.deepcopy(value)


class EarlyStopping:
    """Stop training when a validation metric has not improved for ``patience`` epochs.

    Call ``step(metric, model)`` once per epoch; it returns True when training should stop.
    The metric improves when it beats the best value so far by more than ``min_delta``
    (``mode='min'``: metric < best - min_delta, for a loss; ``mode='max'``: metric > best +
    min_delta, for an accuracy).  A NaN metric never improves.

    When a model is passed, a deep copy of its ``state_dict()`` is kept at every new best, and
    with ``restore_best=True`` it is loaded back into the model when ``step`` says stop;
    ``restore(model)`` loads it at any time (e.g. when the epochs ran out first).

    Attributes:
        best            the best metric so far (None before the first step)
        best_epoch      the step (0, 1, ...) at which it was reached (None before)
        best_state      the copied state_dict of that step (None without a model)
        num_bad_epochs  steps since the last improvement
        epoch           steps taken

    >>> from minigrad.train import EarlyStopping
    >>> stopper = EarlyStopping(patience=2)
    >>> for epoch, loss in enumerate([1.0, 0.8, 0.9, 0.85, 0.7]):
    ...     if stopper.step(loss):
    ...         break
    >>> epoch, stopper.best, stopper.best_epoch
    (3, 0.8, 1)
    """

    def __init__(self, patience: int = 5, min_delta: float = 0.0, mode: str = "min",
                 restore_best: bool = True):
        if not (isinstance(patience, int) and patience >= 0):
            raise ValueError(f"EarlyStopping: patience must be an int >= 0, got {patience}")
        if not min_delta >= 0:
            raise ValueError(f"EarlyStopping: min_delta must be >= 0, got {min_delta}")
        if mode not in ("min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'min' or 'max', got {mode!r}")
        self.patience = patience
        self.min_delta = min_delta
        self.mode = mode
        self.restore_best = restore_best
        self.best: float | None = None
        self.best_epoch: int | None = None
        self.best_state: dict | None = None
        self.num_bad_epochs = 0
        self.epoch = 0

    def is_better(self, metric: float) -> bool:
        """Whether ``metric`` improves on the best so far by more than min_delta."""
        if math.isnan(metric):
            return False
        if self.best is None:
            return True
        if self.mode == "min":
            return metric < self.best - self.min_delta
        return metric > self.best + self.min_delta

    def step(self, metric, model=None) -> bool:
        """Record this epoch's metric (a number or one-element Tensor); True means stop."""
        metric = float(metric)
        epoch = self.epoch
        self.epoch += 1
        if self.is_better(metric):
            self.best = metric
            self.best_epoch = epoch
            self.num_bad_epochs = 0
            if model is not None:
                self.best_state = _copy_state(model.state_dict())
            return False
        self.num_bad_epochs += 1
        stop = self.num_bad_epochs >= self.patience
        if stop and self.restore_best and model is not None and self.best_state is not None:
            self.restore(model)
        return stop

    def restore(self, model) -> None:
        """Load the best state seen into ``model``."""
        if self.best_state is None:
            raise RuntimeError("EarlyStopping.restore: no best state was recorded; pass the "
                               "model to step(metric, model)")
        model.load_state_dict(_copy_state(self.best_state))

    def state_dict(self) -> dict:
        """The counters and the best metric (not the model copy), to resume a run."""
        return {"best": self.best, "best_epoch": self.best_epoch,
                "num_bad_epochs": self.num_bad_epochs, "epoch": self.epoch}

    def load_state_dict(self, state_dict: dict) -> None:
        for key in ("best", "best_epoch", "num_bad_epochs", "epoch"):
            value = state_dict[key]
            setattr(self, key, value.item() if hasattr(value, "item") else value)
