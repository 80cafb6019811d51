"""Learning-rate schedules: ``minigrad.optim.lr_scheduler``, like ``torch.optim.lr_scheduler``.

Holds:
    LRScheduler (also _LRScheduler)       base class: last_epoch, base_lrs, step, get_last_lr,
                                          state_dict/load_state_dict
    LambdaLR, MultiplicativeLR            lr from a function of the step
    StepLR, MultiStepLR, ConstantLR       piecewise constant
    LinearLR                              linear warm-up (or decay) over total_iters steps
    ExponentialLR, InverseTimeLR          lr0 * gamma^t and lr0 / (1 + k t)
    PolynomialLR                          lr0 * (1 - t / T)^power
    CosineAnnealingLR                     half a cosine from lr0 down to eta_min
    CosineAnnealingWarmRestarts           the same, restarted every T_i steps (SGDR)
    NoamLR                                the Transformer schedule: warm-up, then t^-1/2
    CyclicLR, OneCycleLR                  cyclical schedules (stepped every batch)
    SequentialLR                          one schedule after another, at milestones
    ReduceLROnPlateau                     divide the lr when a metric stops improving

How a schedule is used (the same as in PyTorch)::

    optimizer = minigrad.optim.SGD(model.parameters(), lr=0.1)
    scheduler = minigrad.optim.lr_scheduler.StepLR(optimizer, step_size=30, gamma=0.1)
    for epoch in range(100):
        train(...)                  # calls optimizer.step() for every batch
        scheduler.step()            # after the optimizer: sets each group's 'lr' for epoch + 1

A scheduler writes ``group['lr']`` of every parameter group.  Creating one stores each
group's starting lr as ``group['initial_lr']`` (its ``base_lrs``) and applies the lr of step 0;
``scheduler.step()`` then advances ``last_epoch`` by one and applies the lr of that step.

Every schedule here except MultiplicativeLR and ReduceLROnPlateau is a closed form: the lr at
step t is a formula of ``base_lrs`` and t (written in each class's docstring), so
``step(epoch)`` may jump to any step.  (PyTorch computes several of them recursively from the
current lr so that two schedulers stepped on one optimizer multiply together -- "chaining".
Here the last scheduler stepped sets the lr; combine schedules with SequentialLR, or with one
LambdaLR whose function is their product.)
"""

from __future__ import annotations

import math
import types
from bisect import bisect_right
from collections.abc import Callable, Sequence

import numpy as np

from .. import backend
from ..tensor import Tensor
from .optimizer import Optimizer

__all__ = ["LRScheduler", "LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ConstantLR",
           "LinearLR", "ExponentialLR", "InverseTimeLR", "PolynomialLR", "CosineAnnealingLR",
           "CosineAnnealingWarmRestarts", "NoamLR", "CyclicLR", "OneCycleLR", "SequentialLR",
           "ReduceLROnPlateau"]


def _check_optimizer(optimizer) -> None:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")


def _per_group(name: str, optimizer: Optimizer, value) -> list:
    """``value`` once per parameter group: a list/tuple must have one entry per group."""
    if isinstance(value, (list, tuple)):
        if len(value) != len(optimizer.param_groups):
            raise ValueError(f"expected {len(optimizer.param_groups)} values for {name} (one "
                             f"per parameter group), got {len(value)}")
        return list(value)
    return [value] * len(optimizer.param_groups)


def _plain(value):
    """A loaded state value as plain Python: arrays and Tensors become numbers or lists (a
    state dict that went through ``minigrad.save``/``minigrad.load`` comes back as arrays)."""
    if isinstance(value, Tensor):
        value = value.data
    if backend.is_cuda_array(value):
        value = backend.to_device(value, "cpu")
    if isinstance(value, (np.ndarray, np.generic)):
        return value.tolist()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


# ---------------------------------------------------------------------------------------------
# The base class
# ---------------------------------------------------------------------------------------------


class LRScheduler:
    """Base class of the schedules.  A subclass defines ``get_lr()``: the learning rate of
    every parameter group at step ``self.last_epoch``.

    Attributes:
        optimizer   the optimizer whose groups' ``'lr'`` it sets
        base_lrs    each group's ``'initial_lr'`` (its lr when the first scheduler was made)
        last_epoch  the step whose lr is applied now (0 right after construction)

    ``last_epoch=-1`` starts a new schedule.  To resume one, pass the last epoch reached; the
    groups must then already hold ``'initial_lr'`` (restored with the optimizer's state).
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1):
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for number, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"param 'initial_lr' is not specified in param_groups[{number}] when "
                        "resuming a schedule (last_epoch != -1): load the optimizer's "
                        "state_dict first"
                    )
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self) -> None:
        """Apply the lr of the first step (last_epoch -1 -> 0), as every constructor does."""
        self._step_count = 0
        self.step()

    def get_lr(self) -> list[float]:
        """The learning rate of every parameter group at step ``self.last_epoch``."""
        raise NotImplementedError(f"{type(self).__name__} must define get_lr (abstract method)")

    def get_last_lr(self) -> list[float]:
        """The learning rates the scheduler applied last (one per parameter group)."""
        return self._last_lr

    def step(self, epoch: int | None = None) -> None:
        """Advance to the next step (or jump to step ``epoch``) and apply its learning rates.
        Call it after ``optimizer.step()``."""
        self._step_count += 1
        self.last_epoch = self.last_epoch + 1 if epoch is None else epoch
        self._apply(self.get_lr())

    def _apply(self, lrs: Sequence[float]) -> None:
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict:
        """Everything the scheduler holds except the optimizer (save the optimizer's own)."""
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore a state returned by ``state_dict``."""
        self.__dict__.update(_plain(dict(state_dict)))


_LRScheduler = LRScheduler


# ---------------------------------------------------------------------------------------------
# Schedules given by a function
# ---------------------------------------------------------------------------------------------


class _FunctionSchedule(LRScheduler):
    """Shared by LambdaLR and MultiplicativeLR: one function of the step per group.

    ``state_dict`` cannot hold functions: it saves a callable object's attributes, and None for
    a plain function or lambda (give the same functions to the new scheduler when loading)."""

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable | list[Callable],
                 last_epoch: int = -1):
        _check_optimizer(optimizer)
        self.lr_lambdas = _per_group("lr_lambda", optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)

    def state_dict(self) -> dict:
        state = {key: value for key, value in self.__dict__.items()
                 if key not in ("optimizer", "lr_lambdas")}
        state["lr_lambdas"] = [_function_state(function) for function in self.lr_lambdas]
        return state

    def load_state_dict(self, state_dict: dict) -> None:
        state_dict = dict(state_dict)
        saved = state_dict.pop("lr_lambdas", None) or []
        super().load_state_dict(state_dict)
        for function, attributes in zip(self.lr_lambdas, saved):
            if attributes is not None:
                function.__dict__.update(attributes)


def _function_state(function):
    """A callable object's attributes, or None for a plain function or lambda."""
    if isinstance(function, types.FunctionType) or not hasattr(function, "__dict__"):
        return None
    return dict(function.__dict__)


class LambdaLR(_FunctionSchedule):
    """lr_t = base_lr * lr_lambda(t).

    ``lr_lambda`` is a function of the step (an int), or a list with one function per group.

    >>> import minigrad
    >>> w = minigrad.zeros(1, requires_grad=True)
    >>> opt = minigrad.optim.SGD([w], lr=1.0)
    >>> warmup = minigrad.optim.lr_scheduler.LambdaLR(opt, lambda t: min(1.0, (t + 1) / 4))
    >>> lrs = []
    >>> for epoch in range(5):
    ...     lrs.append(warmup.get_last_lr()[0])
    ...     warmup.step()
    >>> lrs
    [0.25, 0.5, 0.75, 1.0, 1.0]
    """

    def get_lr(self) -> list[float]:
        return [base_lr * function(self.last_epoch)
                for base_lr, function in zip(self.base_lrs, self.lr_lambdas)]


class MultiplicativeLR(_FunctionSchedule):
    """lr_t = lr_{t-1} * lr_lambda(t) for t >= 1 (so lr_t = base_lr * f(1) * ... * f(t)).

    The one recursive schedule: each step multiplies the group's current lr.

    >>> import minigrad
    >>> w = minigrad.zeros(1, requires_grad=True)
    >>> opt = minigrad.optim.SGD([w], lr=1.0)
    >>> halve = minigrad.optim.lr_scheduler.MultiplicativeLR(opt, lambda t: 0.5)
    >>> halve.step()
    >>> halve.step()
    >>> halve.get_last_lr()
    [0.25]
    """

    def get_lr(self) -> list[float]:
        groups = self.optimizer.param_groups
        if self.last_epoch <= 0:
            return [group["lr"] for group in groups]
        return [group["lr"] * function(self.last_epoch)
                for group, function in zip(groups, self.lr_lambdas)]


# ---------------------------------------------------------------------------------------------
# Decays
# ---------------------------------------------------------------------------------------------


class StepLR(LRScheduler):
    """lr_t = base_lr * gamma^floor(t / step_size): multiply by gamma every step_size steps.

    >>> import minigrad
    >>> w = minigrad.zeros(1, requires_grad=True)
    >>> opt = minigrad.optim.SGD([w], lr=1.0)
    >>> sched = minigrad.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    >>> lrs = []
    >>> for epoch in range(6):
    ...     lrs.append(sched.get_last_lr()[0])
    ...     sched.step()
    >>> lrs
    [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1,
                 last_epoch: int = -1):
        if not step_size >= 1:
            raise ValueError(f"StepLR: step_size must be a positive integer, got {step_size}")
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        factor = self.gamma ** (self.last_epoch // self.step_size)
        return [base_lr * factor for base_lr in self.base_lrs]


class MultiStepLR(LRScheduler):
    """lr_t = base_lr * gamma^(number of milestones <= t): multiply by gamma at each milestone.

    >>> import minigrad
    >>> w = minigrad.zeros(1, requires_grad=True)
    >>> opt = minigrad.optim.SGD([w], lr=1.0)
    >>> sched = minigrad.optim.lr_scheduler.MultiStepLR(opt, milestones=[2, 3], gamma=0.1)
    >>> lrs = []
    >>> for _ in range(4):
    ...     sched.step()
    ...     lrs.append(sched.get_last_lr()[0])
    >>> lrs
    [1.0, 0.1, 0.010000000000000002, 0.010000000000000002]
    """

    def __init__(self, optimizer: Optimizer, milestones: Sequence[int], gamma: float = 0.1,
                 last_epoch: int = -1):
        self.milestones = sorted(int(m) for m in milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        factor = self.gamma ** bisect_right(self.milestones, self.last_epoch)
        return [base_lr * factor for base_lr in self.base_lrs]


class ConstantLR(LRScheduler):
    """lr_t = base_lr * factor for t < total_iters, then base_lr."""

    def __init__(self, optimizer: Optimizer, factor: float = 1.0 / 3, total_iters: int = 5,
                 last_epoch: int = -1):
        if not 0 <= factor <= 1:
            raise ValueError(f"ConstantLR: factor must be in [0, 1], got {factor}")
        self.factor = factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        factor = self.factor if self.last_epoch < self.total_iters else 1.0
        return [base_lr * factor for base_lr in self.base_lrs]


class LinearLR(LRScheduler):
    """Linear warm-up (or decay) of the factor from start_factor to end_factor over
    total_iters steps, then constant::

        lr_t = base_lr * (start_factor + (end_factor - start_factor) * min(t, T) / T)

    >>> import minigrad
    >>> w = minigrad.zeros(1, requires_grad=True)
    >>> opt = minigrad.optim.SGD([w], lr=1.0)
    >>> warmup = minigrad.optim.lr_scheduler.LinearLR(opt, start_factor=0.25, total_iters=3)
    >>> lrs = []
    >>> for _ in range(5):
    ...     warmup.step()
    ...     lrs.append(warmup.get_last_lr()[0])
    >>> lrs
    [0.5, 0.75, 1.0, 1.0, 1.0]
    """

    def __init__(self, optimizer: Optimizer, start_factor: float = 1.0 / 3,
                 end_factor: float = 1.0, total_iters: int = 5, last_epoch: int = -1):
        if not 0 < start_factor <= 1:
            raise ValueError(f"LinearLR: start_factor must be in (0, 1], got {start_factor}")
        if not 0 <= end_factor <= 1:
            raise ValueError(f"LinearLR: end_factor must be in [0, 1], got {end_factor}")
        if not total_iters >= 1:
            raise ValueError(f"LinearLR: total_iters must be >= 1, got {total_iters}")
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        done = min(self.last_epoch, self.total_iters) / self.total_iters
        factor = self.start_factor + (self.end_factor - self.start_factor) * done
        return [base_lr * factor for base_lr in self.base_lrs]


class ExponentialLR(LRScheduler):
    """lr_t = base_lr * gamma^t.

    Natural-exponential decay lr_t = lr_0 * exp(-k t) is this schedule with
    ``gamma = math.exp(-k)``.

    >>> import math, minigrad
    >>> w = minigrad.zeros(1, requires_grad=True)
    >>> opt = minigrad.optim.SGD([w], lr=1.0)
    >>> sched = minigrad.optim.lr_scheduler.ExponentialLR(opt, gamma=math.exp(-0.5))
    >>> sched.step(); sched.step()
    >>> math.isclose(sched.get_last_lr()[0], math.exp(-0.5 * 2))
    True
    """

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1):
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [base_lr * self.gamma ** self.last_epoch for base_lr in self.base_lrs]


class InverseTimeLR(LRScheduler):
    """Inverse-time decay: lr_t = base_lr / (1 + decay_rate * t).

    >>> import minigrad
    >>> w = minigrad.zeros(1, requires_grad=True)
    >>> opt = minigrad.optim.SGD([w], lr=1.0)
    >>> sched = minigrad.optim.lr_scheduler.InverseTimeLR(opt, decay_rate=0.5)
    >>> lrs = []
    >>> for _ in range(3):
    ...     sched.step()
    ...     lrs.append(sched.get_last_lr()[0])
    >>> lrs
    [0.6666666666666666, 0.5, 0.4]
    """

    def __init__(self, optimizer: Optimizer, decay_rate: float, last_epoch: int = -1):
        if not decay_rate >= 0:
            raise ValueError(f"InverseTimeLR: decay_rate must be >= 0, got {decay_rate}")
        self.decay_rate = decay_rate
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [base_lr / (1 + self.decay_rate * self.last_epoch) for base_lr in self.base_lrs]


class PolynomialLR(LRScheduler):
    """lr_t = base_lr * (1 - min(t, total_iters) / total_iters)^power: reaches 0 at
    total_iters and stays there."""

    def __init__(self, optimizer: Optimizer, total_iters: int = 5, power: float = 1.0,
                 last_epoch: int = -1):
        if not total_iters >= 1:
            raise ValueError(f"PolynomialLR: total_iters must be >= 1, got {total_iters}")
        self.total_iters = total_iters
        self.power = power
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        factor = (1.0 - min(self.total_iters, self.last_epoch) / self.total_iters) ** self.power
        return [base_lr * factor for base_lr in self.base_lrs]


# ---------------------------------------------------------------------------------------------
# Cosine schedules and the Transformer's
# ---------------------------------------------------------------------------------------------


class CosineAnnealingLR(LRScheduler):
    """Cosine annealing from base_lr down to eta_min over T_max steps (Loshchilov & Hutter)::

        lr_t = eta_min + (base_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2

    Past T_max the cosine goes on (back up to base_lr at 2 T_max), as in PyTorch.

    >>> import minigrad
    >>> w = minigrad.zeros(1, requires_grad=True)
    >>> opt = minigrad.optim.SGD([w], lr=1.0)
    >>> sched = minigrad.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=4)
    >>> lrs = []
    >>> for _ in range(4):
    ...     sched.step()
    ...     lrs.append(round(sched.get_last_lr()[0], 4))
    >>> lrs
    [0.8536, 0.5, 0.1464, 0.0]
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0,
                 last_epoch: int = -1):
        if not T_max > 0:
            raise ValueError(f"CosineAnnealingLR: T_max must be > 0, got {T_max}")
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        cosine = (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
        return [self.eta_min + (base_lr - self.eta_min) * cosine for base_lr in self.base_lrs]


class CosineAnnealingWarmRestarts(LRScheduler):
    """Cosine annealing with warm restarts (SGDR): a cosine from base_lr to eta_min over T_i
    steps, then back to base_lr; the first period is T_0 and each next one T_mult times as
    long::

        lr_t = eta_min + (base_lr - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2

    where T_cur counts the steps since the last restart.  ``step(epoch)`` accepts fractional
    epochs (``scheduler.step(epoch + batch / batches)``).

    >>> import minigrad
    >>> w = minigrad.zeros(1, requires_grad=True)
    >>> opt = minigrad.optim.SGD([w], lr=1.0)
    >>> sched = minigrad.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=2)
    >>> lrs = []
    >>> for _ in range(7):
    ...     sched.step()
    ...     lrs.append(round(sched.get_last_lr()[0], 4))
    >>> lrs
    [0.5, 1.0, 0.8536, 0.5, 0.1464, 1.0, 0.9619]
    """

    def __init__(self, optimizer: Optimizer, T_0: int, T_mult: int = 1,
                 eta_min: float = 0.0, last_epoch: int = -1):
        if not (isinstance(T_0, int) and T_0 > 0):
            raise ValueError(f"CosineAnnealingWarmRestarts: expected a positive integer T_0, "
                             f"got {T_0}")
        if not (isinstance(T_mult, int) and T_mult >= 1):
            raise ValueError(f"CosineAnnealingWarmRestarts: expected an integer T_mult >= 1, "
                             f"got {T_mult}")
        self.T_0 = T_0
        self.T_i = T_0
        self.T_mult = T_mult
        self.eta_min = eta_min
        self.T_cur = last_epoch
        super().__init__(optimizer, last_epoch)

    def step(self, epoch: float | None = None) -> None:
        """Advance one step, or go to ``epoch`` (which may be fractional)."""
        if epoch is None:
            epoch = self.last_epoch + 1
        if epoch < 0:
            raise ValueError(f"CosineAnnealingWarmRestarts: expected a non-negative epoch, "
                             f"got {epoch}")
        # Walk through the periods T_0, T_0 * T_mult, ... until the one holding `epoch`.
        period, since_restart = self.T_0, epoch
        while since_restart >= period:
            since_restart -= period
            period *= self.T_mult
        self.T_i, self.T_cur = period, since_restart
        self._step_count += 1
        self.last_epoch = math.floor(epoch)
        self._apply(self.get_lr())

    def get_lr(self) -> list[float]:
        cosine = (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
        return [self.eta_min + (base_lr - self.eta_min) * cosine for base_lr in self.base_lrs]


class NoamLR(LRScheduler):
    """The Transformer's schedule ("Attention is all you need", section 5.3): linear warm-up
    for warmup_steps steps, then decay as 1/sqrt(t)::

        lr = factor * d_model^-0.5 * min(t^-0.5, t * warmup_steps^-1.5),   t = last_epoch + 1

    t starts at 1 (the lr of the first optimizer step); the peak, at t = warmup_steps, is
    factor * (d_model * warmup_steps)^-0.5.  The lr is set to this value in every group (the
    optimizer's own lr is not used).  Step it after every optimizer step.

    >>> import minigrad
    >>> w = minigrad.zeros(1, requires_grad=True)
    >>> opt = minigrad.optim.Adam([w], lr=1.0, betas=(0.9, 0.98), eps=1e-9)
    >>> sched = minigrad.optim.lr_scheduler.NoamLR(opt, d_model=512, warmup_steps=4000)
    >>> f'{sched.get_last_lr()[0]:.3e}'
    '1.747e-07'
    """

    def __init__(self, optimizer: Optimizer, d_model: int, warmup_steps: int,
                 factor: float = 1.0, last_epoch: int = -1):
        if not d_model > 0:
            raise ValueError(f"NoamLR: d_model must be > 0, got {d_model}")
        if not warmup_steps > 0:
            raise ValueError(f"NoamLR: warmup_steps must be > 0, got {warmup_steps}")
        self.d_model = d_model
        self.warmup_steps = warmup_steps
        self.factor = factor
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        t = self.last_epoch + 1
        lr = self.factor * self.d_model ** -0.5 * min(t ** -0.5, t * self.warmup_steps ** -1.5)
        return [lr for _ in self.base_lrs]


# ---------------------------------------------------------------------------------------------
# Cyclical schedules
# ---------------------------------------------------------------------------------------------


def _set_momentum(group: dict, momentum: float, use_beta1: bool) -> None:
    """Write the momentum of SGD/RMSprop, or beta1 of Adam, into a group."""
    if use_beta1:
        group["betas"] = (momentum, *group["betas"][1:])
    else:
        group["momentum"] = momentum


def _uses_beta1(optimizer: Optimizer, scheduler: str) -> bool:
    if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
        raise ValueError(f"{scheduler}: optimizer must support momentum or beta1 with "
                         "`cycle_momentum` option enabled")
    return "betas" in optimizer.defaults


class CyclicLR(LRScheduler):
    """Cyclical learning rate (Smith, 2017): the lr goes linearly from base_lr up to max_lr in
    step_size_up steps, then back down in step_size_down steps, and again.  Step it after
    every batch.

    With ``cycle = floor(1 + t / (up + down))`` and ``x`` the position in the cycle::

        lr_t = base_lr + (max_lr - base_lr) * height(x) * scale

    where height rises from 0 to 1 and back, and scale is 1 ('triangular'), 1 / 2^(cycle - 1)
    ('triangular2', halves each cycle) or gamma^t ('exp_range'); or ``scale_fn(cycle)``
    (``scale_mode='cycle'``) / ``scale_fn(t)`` (``'iterations'``).  With cycle_momentum the
    momentum (or Adam's beta1) cycles the opposite way, between max_momentum and base_momentum.

    >>> import minigrad
    >>> w = minigrad.zeros(1, requires_grad=True)
    >>> opt = minigrad.optim.SGD([w], lr=0.1, momentum=0.9)
    >>> sched = minigrad.optim.lr_scheduler.CyclicLR(opt, base_lr=0.1, max_lr=0.5,
    ...                                              step_size_up=2)
    >>> lrs = []
    >>> for _ in range(5):
    ...     sched.step()
    ...     lrs.append(round(sched.get_last_lr()[0], 3))
    >>> lrs
    [0.3, 0.5, 0.3, 0.1, 0.3]
    """

    def __init__(self, optimizer: Optimizer, base_lr: float | list[float],
                 max_lr: float | list[float], step_size_up: int = 2000,
                 step_size_down: int | None = None, mode: str = "triangular",
                 gamma: float = 1.0, scale_fn: Callable | None = None,
                 scale_mode: str = "cycle", cycle_momentum: bool = True,
                 base_momentum: float | list[float] = 0.8,
                 max_momentum: float | list[float] = 0.9, last_epoch: int = -1):
        _check_optimizer(optimizer)
        base_lrs = _per_group("base_lr", optimizer, base_lr)
        if last_epoch == -1:
            for lr, group in zip(base_lrs, optimizer.param_groups):
                group["lr"] = lr
        self.max_lrs = _per_group("max_lr", optimizer, max_lr)
        step_size_up = float(step_size_up)
        step_size_down = float(step_size_down) if step_size_down is not None else step_size_up
        if not (step_size_up > 0 and step_size_down > 0):
            raise ValueError(f"CyclicLR: step sizes must be > 0, got {step_size_up} and "
                             f"{step_size_down}")
        self.total_size = step_size_up + step_size_down
        self.step_ratio = step_size_up / self.total_size
        if mode not in ("triangular", "triangular2", "exp_range") and scale_fn is None:
            raise ValueError(f"CyclicLR: mode {mode!r} is invalid and scale_fn is None "
                             "(expected 'triangular', 'triangular2' or 'exp_range')")
        if scale_mode not in ("cycle", "iterations"):
            raise ValueError(f"CyclicLR: scale_mode must be 'cycle' or 'iterations', got "
                             f"{scale_mode!r}")
        self.mode = mode
        self.gamma = gamma
        self._scale_fn_custom = scale_fn
        self.scale_mode = scale_mode
        if scale_fn is None:
            self.scale_mode = "iterations" if mode == "exp_range" else "cycle"

        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self.use_beta1 = _uses_beta1(optimizer, "CyclicLR")
            self.base_momentums = _per_group("base_momentum", optimizer, base_momentum)
            self.max_momentums = _per_group("max_momentum", optimizer, max_momentum)
            if last_epoch == -1:
                for momentum, group in zip(self.max_momentums, optimizer.param_groups):
                    _set_momentum(group, momentum, self.use_beta1)
        super().__init__(optimizer, last_epoch)
        # The cycle runs between base_lr and max_lr whatever 'initial_lr' the groups hold.
        self.base_lrs = base_lrs
        self._apply(self.get_lr())

    def scale_fn(self, x: float) -> float:
        """The amplitude scale of cycle x (or iteration x, in 'iterations' scale mode)."""
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return self.gamma ** x

    def get_lr(self) -> list[float]:
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle    # position in the cycle, [0, 1)
        if x <= self.step_ratio:
            height = x / self.step_ratio                       # rising: 0 -> 1
        else:
            height = (x - 1) / (self.step_ratio - 1)           # falling: 1 -> 0
        scale = self.scale_fn(cycle if self.scale_mode == "cycle" else self.last_epoch)

        lrs = [base_lr + (max_lr - base_lr) * height * scale
               for base_lr, max_lr in zip(self.base_lrs, self.max_lrs)]
        if self.cycle_momentum:
            for group, low, high in zip(self.optimizer.param_groups, self.base_momentums,
                                        self.max_momentums):
                _set_momentum(group, high - (high - low) * height * scale, self.use_beta1)
        return lrs

    def state_dict(self) -> dict:
        state = super().state_dict()
        state["_scale_fn_custom"] = None if self._scale_fn_custom is None else \
            _function_state(self._scale_fn_custom)
        return state

    def load_state_dict(self, state_dict: dict) -> None:
        state_dict = dict(state_dict)
        saved = state_dict.pop("_scale_fn_custom", None)
        function = self._scale_fn_custom
        super().load_state_dict(state_dict)
        self._scale_fn_custom = function
        if saved is not None and function is not None:
            function.__dict__.update(saved)


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith & Topin, 2018): the lr warms up from max_lr / div_factor to
    max_lr over the first pct_start of total_steps, then anneals down to
    max_lr / (div_factor * final_div_factor); momentum (or beta1) moves the opposite way.
    Step it after every batch, total_steps times at most.

    Each phase anneals from a start to an end value with pct the fraction of the phase done::

        'cos':     end + (start - end) * (1 + cos(pi * pct)) / 2
        'linear':  start + (end - start) * pct

    ``three_phase=True`` adds a symmetric way down to the initial lr before the final anneal.

    >>> import minigrad
    >>> w = minigrad.zeros(1, requires_grad=True)
    >>> opt = minigrad.optim.SGD([w], lr=0.1, momentum=0.9)
    >>> sched = minigrad.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=10,
    ...                                                anneal_strategy='linear')
    >>> lrs = []
    >>> for _ in range(4):
    ...     sched.step()
    ...     lrs.append(round(sched.get_last_lr()[0], 3))
    >>> lrs
    [0.52, 1.0, 0.857, 0.714]
    """

    def __init__(self, optimizer: Optimizer, max_lr: float | list[float],
                 total_steps: int | None = None, epochs: int | None = None,
                 steps_per_epoch: int | None = None, pct_start: float = 0.3,
                 anneal_strategy: str = "cos", cycle_momentum: bool = True,
                 base_momentum: float | list[float] = 0.85,
                 max_momentum: float | list[float] = 0.95, div_factor: float = 25.0,
                 final_div_factor: float = 1e4, three_phase: bool = False,
                 last_epoch: int = -1):
        _check_optimizer(optimizer)
        if total_steps is not None:
            if not (isinstance(total_steps, int) and total_steps > 0):
                raise ValueError(f"OneCycleLR: expected a positive integer total_steps, got "
                                 f"{total_steps}")
            self.total_steps = total_steps
        elif epochs is not None and steps_per_epoch is not None:
            if not (isinstance(epochs, int) and epochs > 0):
                raise ValueError(f"OneCycleLR: expected a positive integer epochs, got {epochs}")
            if not (isinstance(steps_per_epoch, int) and steps_per_epoch > 0):
                raise ValueError(f"OneCycleLR: expected a positive integer steps_per_epoch, "
                                 f"got {steps_per_epoch}")
            self.total_steps = epochs * steps_per_epoch
        else:
            raise ValueError("OneCycleLR: you must define either total_steps OR (epochs AND "
                             "steps_per_epoch)")
        if not 0 <= pct_start <= 1:
            raise ValueError(f"OneCycleLR: expected pct_start between 0 and 1, got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"OneCycleLR: anneal_strategy must be 'cos' or 'linear', got "
                             f"{anneal_strategy!r}")
        self.anneal_strategy = anneal_strategy

        # Each phase: (last step of the phase, group key of the start lr, of the end lr,
        #              of the start momentum, of the end momentum).
        warmup_end = float(pct_start * self.total_steps) - 1
        if three_phase:
            self._schedule_phases = [
                (warmup_end, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (2 * warmup_end, "max_lr", "initial_lr", "base_momentum", "max_momentum"),
                (self.total_steps - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum"),
            ]
        else:
            self._schedule_phases = [
                (warmup_end, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (self.total_steps - 1, "max_lr", "min_lr", "base_momentum", "max_momentum"),
            ]

        max_lrs = _per_group("max_lr", optimizer, max_lr)
        if last_epoch == -1:
            for group, peak in zip(optimizer.param_groups, max_lrs):
                group["initial_lr"] = peak / div_factor
                group["max_lr"] = peak
                group["min_lr"] = group["initial_lr"] / final_div_factor

        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self.use_beta1 = _uses_beta1(optimizer, "OneCycleLR")
            highs = _per_group("max_momentum", optimizer, max_momentum)
            lows = _per_group("base_momentum", optimizer, base_momentum)
            if last_epoch == -1:
                for group, high, low in zip(optimizer.param_groups, highs, lows):
                    _set_momentum(group, high, self.use_beta1)
                    group["max_momentum"] = high
                    group["base_momentum"] = low
        super().__init__(optimizer, last_epoch)

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self) -> list[float]:
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(f"OneCycleLR: tried to step {step} times; the specified number of "
                             f"total steps is {self.total_steps}")
        lrs = []
        for group in self.optimizer.param_groups:
            phase_start = 0.0
            for number, phase in enumerate(self._schedule_phases):
                phase_end, lr_from, lr_to, momentum_from, momentum_to = phase
                if step <= phase_end or number == len(self._schedule_phases) - 1:
                    pct = (step - phase_start) / (phase_end - phase_start)
                    lrs.append(self._anneal(group[lr_from], group[lr_to], pct))
                    if self.cycle_momentum:
                        momentum = self._anneal(group[momentum_from], group[momentum_to], pct)
                        _set_momentum(group, momentum, self.use_beta1)
                    break
                phase_start = phase_end
        return lrs


# ---------------------------------------------------------------------------------------------
# Combining schedules
# ---------------------------------------------------------------------------------------------


class SequentialLR(LRScheduler):
    """Run ``schedulers`` one after another: the i-th takes over at step ``milestones[i-1]``,
    starting from its own step 0.

    >>> import minigrad
    >>> from minigrad.optim import lr_scheduler
    >>> w = minigrad.zeros(1, requires_grad=True)
    >>> opt = minigrad.optim.SGD([w], lr=1.0)
    >>> warmup = lr_scheduler.LinearLR(opt, start_factor=0.5, total_iters=2)
    >>> decay = lr_scheduler.ExponentialLR(opt, gamma=0.5)
    >>> sched = lr_scheduler.SequentialLR(opt, [warmup, decay], milestones=[2])
    >>> lrs = []
    >>> for _ in range(5):
    ...     sched.step()
    ...     lrs.append(sched.get_last_lr()[0])
    >>> lrs
    [0.75, 1.0, 0.5, 0.25, 0.125]
    """

    def __init__(self, optimizer: Optimizer, schedulers: Sequence[LRScheduler],
                 milestones: Sequence[int], last_epoch: int = -1):
        _check_optimizer(optimizer)
        if len(schedulers) < 1:
            raise ValueError("SequentialLR expects at least one scheduler, but got none")
        for number, scheduler in enumerate(schedulers):
            if isinstance(scheduler, ReduceLROnPlateau):
                raise ValueError(
                    "SequentialLR does not support ReduceLROnPlateau (its step needs a metric), "
                    f"but got one at index {number}"
                )
            if getattr(scheduler, "optimizer", None) is not optimizer:
                raise ValueError(
                    "SequentialLR expects all schedulers to belong to the same optimizer, but "
                    f"the scheduler at index {number} ({type(scheduler).__name__}) does not"
                )
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(
                "SequentialLR expects one milestone fewer than schedulers, but got "
                f"{len(schedulers)} schedulers and {len(milestones)} milestones"
            )
        self._schedulers = list(schedulers)
        self._milestones = list(milestones)
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer

        # Each scheduler applied its step 0 when it was made; undo that and start the first.
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        for scheduler in self._schedulers:
            scheduler.last_epoch -= 1
        first = self._schedulers[bisect_right(self._milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    def step(self) -> None:
        """Advance one step in the scheduler whose turn it is (no epoch argument)."""
        self.last_epoch += 1
        number = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[number]
        if number > 0 and self._milestones[number - 1] == self.last_epoch:
            scheduler.step(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def state_dict(self) -> dict:
        state = {key: value for key, value in self.__dict__.items()
                 if key not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [scheduler.state_dict() for scheduler in self._schedulers]
        return state

    def load_state_dict(self, state_dict: dict) -> None:
        state_dict = dict(state_dict)
        saved = state_dict.pop("_schedulers")
        self.__dict__.update(_plain(state_dict))
        for scheduler, state in zip(self._schedulers, saved):
            scheduler.load_state_dict(state)


# ---------------------------------------------------------------------------------------------
# Reacting to a metric
# ---------------------------------------------------------------------------------------------


class ReduceLROnPlateau(LRScheduler):
    """Multiply the lr by ``factor`` when a metric has not improved for ``patience`` epochs.

    ``scheduler.step(metric)`` once per epoch (e.g. with the validation loss).  The metric
    improves when it beats the best value so far by the threshold:

        mode 'min', threshold_mode 'rel':  metric < best * (1 - threshold)
        mode 'min', threshold_mode 'abs':  metric < best - threshold
        mode 'max', threshold_mode 'rel':  metric > best * (1 + threshold)
        mode 'max', threshold_mode 'abs':  metric > best + threshold

    After more than ``patience`` epochs in a row without improvement every group's lr becomes
    ``max(lr * factor, min_lr)`` (unchanged if that changes it by less than ``eps``), and the
    next ``cooldown`` epochs are not counted.

    >>> import minigrad
    >>> w = minigrad.zeros(1, requires_grad=True)
    >>> opt = minigrad.optim.SGD([w], lr=1.0)
    >>> sched = minigrad.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=1)
    >>> for loss in [3.0, 2.0, 2.0, 2.0, 2.0, 2.0]:
    ...     sched.step(loss)
    >>> sched.get_last_lr()
    [0.25]
    """

    def __init__(self, optimizer: Optimizer, mode: str = "min", factor: float = 0.1,
                 patience: int = 10, threshold: float = 1e-4, threshold_mode: str = "rel",
                 cooldown: int = 0, min_lr: float | list[float] = 0, eps: float = 1e-8):
        if not factor < 1.0:
            raise ValueError(f"ReduceLROnPlateau: factor should be < 1.0, got {factor}")
        _check_optimizer(optimizer)
        self.factor = factor
        self.optimizer = optimizer
        if isinstance(min_lr, (list, tuple)):
            self.min_lrs = _per_group("min_lr", optimizer, min_lr)
            self.default_min_lr = None
        else:
            self.min_lrs = [min_lr] * len(optimizer.param_groups)
            self.default_min_lr = min_lr
        self.patience = patience
        self.cooldown = cooldown
        self.eps = eps
        self.last_epoch = 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]
        self._init_is_better(mode, threshold, threshold_mode)
        self._reset()

    def _init_is_better(self, mode: str, threshold: float, threshold_mode: str) -> None:
        if mode not in ("min", "max"):
            raise ValueError(f"ReduceLROnPlateau: mode {mode!r} is unknown (expected 'min' or "
                             "'max')")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"ReduceLROnPlateau: threshold mode {threshold_mode!r} is unknown "
                             "(expected 'rel' or 'abs')")
        self.mode = mode
        self.threshold = threshold
        self.threshold_mode = threshold_mode
        self.mode_worse = math.inf if mode == "min" else -math.inf

    def _reset(self) -> None:
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    @property
    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def is_better(self, metric: float, best: float) -> bool:
        """Whether ``metric`` improves on ``best`` by more than the threshold."""
        if self.mode == "min" and self.threshold_mode == "rel":
            return metric < best * (1.0 - self.threshold)
        if self.mode == "min":
            return metric < best - self.threshold
        if self.threshold_mode == "rel":
            return metric > best * (1.0 + self.threshold)
        return metric > best + self.threshold

    def step(self, metrics, epoch: int | None = None) -> None:
        """Record this epoch's metric (a number or a one-element Tensor); reduce the lr when
        it has not improved for more than ``patience`` epochs."""
        current = float(metrics)
        self.last_epoch = self.last_epoch + 1 if epoch is None else epoch
        if self.is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0          # bad epochs during the cooldown do not count
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _reduce_lr(self) -> None:
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(
                    f"ReduceLROnPlateau: the optimizer has {len(groups)} parameter groups but "
                    f"min_lr has {len(self.min_lrs)} entries (was a group added?); update "
                    "scheduler.min_lrs"
                )
            self.min_lrs = [self.default_min_lr] * len(groups)
        for group, min_lr in zip(groups, self.min_lrs):
            old_lr = float(group["lr"])
            new_lr = max(old_lr * self.factor, min_lr)
            if old_lr - new_lr > self.eps:
                group["lr"] = new_lr

    def get_lr(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]

    def load_state_dict(self, state_dict: dict) -> None:
        super().load_state_dict(state_dict)
        self._init_is_better(self.mode, self.threshold, self.threshold_mode)
