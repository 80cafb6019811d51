"""Learning-rate schedules: the lr of every step over 100 steps equals the closed form written
here, for two parameter groups with different base lrs; state_dict round trips (also through
minigrad.save/load); ReduceLROnPlateau's patience, cooldown, threshold and min_lr; errors."""

import math

import numpy as np
import pytest

import minigrad
from minigrad.optim import SGD, Adam
from minigrad.optim import lr_scheduler as sched
from minigrad.serialization import load, save

BASE_LRS = (0.1, 0.3)
STEPS = 100


def make_optimizer(cls=SGD, **kwargs):
    first = minigrad.zeros(2, requires_grad=True)
    second = minigrad.zeros(2, requires_grad=True)
    groups = [{"params": [first], "lr": BASE_LRS[0]}, {"params": [second], "lr": BASE_LRS[1]}]
    return cls(groups, **kwargs)


def lr_history(optimizer, scheduler, steps=STEPS):
    """history[t][g]: the lr of group g during step t (before the t-th scheduler.step())."""
    history = []
    for _ in range(steps):
        lrs = [group["lr"] for group in optimizer.param_groups]
        assert scheduler.get_last_lr() == lrs
        history.append(lrs)
        optimizer.step()             # no gradients: nothing moves, as in a real loop's order
        scheduler.step()
    return np.array(history)


def expected(closed_form, steps=STEPS):
    """closed_form(base_lr, t) for every step and group."""
    return np.array([[closed_form(base, t) for base in BASE_LRS] for t in range(steps)])


def cosine(start, end, fraction):
    return end + (start - end) * (1 + math.cos(math.pi * fraction)) / 2


# (name, make scheduler, closed form lr(base_lr, t))
CLOSED_FORMS = [
    ("StepLR", lambda o: sched.StepLR(o, step_size=7, gamma=0.5),
     lambda base, t: base * 0.5 ** (t // 7)),
    ("MultiStepLR", lambda o: sched.MultiStepLR(o, milestones=[60, 10, 30, 30], gamma=0.5),
     lambda base, t: base * 0.5 ** sum(1 for m in [10, 30, 30, 60] if m <= t)),
    ("ConstantLR", lambda o: sched.ConstantLR(o, factor=0.25, total_iters=10),
     lambda base, t: base * (0.25 if t < 10 else 1.0)),
    ("LinearLR warm-up", lambda o: sched.LinearLR(o, start_factor=0.1, total_iters=20),
     lambda base, t: base * (0.1 + 0.9 * min(t, 20) / 20)),
    ("LinearLR decay", lambda o: sched.LinearLR(o, start_factor=1.0, end_factor=0.2,
                                                total_iters=50),
     lambda base, t: base * (1.0 - 0.8 * min(t, 50) / 50)),
    ("ExponentialLR", lambda o: sched.ExponentialLR(o, gamma=0.95),
     lambda base, t: base * 0.95 ** t),
    ("ExponentialLR as natural exponential decay",
     lambda o: sched.ExponentialLR(o, gamma=math.exp(-0.03)),
     lambda base, t: base * math.exp(-0.03 * t)),
    ("InverseTimeLR", lambda o: sched.InverseTimeLR(o, decay_rate=0.2),
     lambda base, t: base / (1 + 0.2 * t)),
    ("PolynomialLR", lambda o: sched.PolynomialLR(o, total_iters=40, power=2.0),
     lambda base, t: base * (1 - min(t, 40) / 40) ** 2),
    ("CosineAnnealingLR", lambda o: sched.CosineAnnealingLR(o, T_max=30, eta_min=0.01),
     lambda base, t: 0.01 + (base - 0.01) * (1 + math.cos(math.pi * t / 30)) / 2),
    ("LambdaLR", lambda o: sched.LambdaLR(o, lambda t: 1 / (1 + t) ** 0.5),
     lambda base, t: base / (1 + t) ** 0.5),
    ("LambdaLR per group", lambda o: sched.LambdaLR(o, [lambda t: 0.9 ** t, lambda t: 1.0]),
     lambda base, t: base * 0.9 ** t if base == BASE_LRS[0] else base),
    ("MultiplicativeLR", lambda o: sched.MultiplicativeLR(o, lambda t: 1 - 0.1 / t),
     lambda base, t: base * math.prod(1 - 0.1 / i for i in range(1, t + 1))),
    ("NoamLR", lambda o: sched.NoamLR(o, d_model=64, warmup_steps=20, factor=2.0),
     lambda base, t: 2.0 * 64 ** -0.5 * min((t + 1) ** -0.5, (t + 1) * 20 ** -1.5)),
]


@pytest.mark.parametrize("name,make,closed_form", CLOSED_FORMS, ids=[c[0] for c in CLOSED_FORMS])
def test_schedule_equals_its_closed_form(name, make, closed_form):
    optimizer = make_optimizer()
    history = lr_history(optimizer, make(optimizer))
    np.testing.assert_allclose(history, expected(closed_form), rtol=1e-12, atol=1e-15,
                               err_msg=name)


def restart_position(t, first_period, multiplier):
    """(steps since the last restart, current period) of SGDR, by walking the restarts."""
    start, period = 0, first_period
    while t >= start + period:
        start += period
        period *= multiplier
    return t - start, period


@pytest.mark.parametrize("first_period,multiplier", [(7, 1), (5, 2), (3, 3)])
def test_cosine_warm_restarts(first_period, multiplier):
    optimizer = make_optimizer()
    scheduler = sched.CosineAnnealingWarmRestarts(optimizer, T_0=first_period, T_mult=multiplier,
                                                  eta_min=0.001)

    def closed_form(base, t):
        since_restart, period = restart_position(t, first_period, multiplier)
        return 0.001 + (base - 0.001) * (1 + math.cos(math.pi * since_restart / period)) / 2

    np.testing.assert_allclose(lr_history(optimizer, scheduler), expected(closed_form),
                               rtol=1e-12)


def test_cosine_warm_restarts_accepts_fractional_epochs():
    optimizer = make_optimizer()
    scheduler = sched.CosineAnnealingWarmRestarts(optimizer, T_0=4, T_mult=2)
    scheduler.step(5.5)                              # 1.5 steps into the second period (8)
    assert scheduler.last_epoch == 5
    expected_lr = BASE_LRS[0] * (1 + math.cos(math.pi * 1.5 / 8)) / 2
    assert math.isclose(optimizer.param_groups[0]["lr"], expected_lr, rel_tol=1e-12)
    with pytest.raises(ValueError, match="expected a non-negative epoch, got -1"):
        scheduler.step(-1)


def triangle(t, up, down):
    """The height of a (up + down)-step triangle wave at step t: 0 -> 1 -> 0."""
    position = t % (up + down)
    return position / up if position <= up else 1 - (position - up) / down


@pytest.mark.parametrize("mode", ["triangular", "triangular2", "exp_range"])
def test_cyclic_lr(mode):
    optimizer = make_optimizer(momentum=0.5)
    scheduler = sched.CyclicLR(optimizer, base_lr=0.01, max_lr=[0.1, 0.2], step_size_up=6,
                               step_size_down=4, mode=mode, gamma=0.97)
    momenta = []
    history = []
    for _ in range(STEPS):
        history.append([group["lr"] for group in optimizer.param_groups])
        momenta.append(optimizer.param_groups[0]["momentum"])
        scheduler.step()

    def scale(t):
        cycle = t // 10 + 1
        return {"triangular": 1.0, "triangular2": 0.5 ** (cycle - 1), "exp_range": 0.97 ** t}[mode]

    want = [[0.01 + (peak - 0.01) * triangle(t, 6, 4) * scale(t) for peak in (0.1, 0.2)]
            for t in range(STEPS)]
    np.testing.assert_allclose(history, want, rtol=1e-12, atol=1e-15)
    want_momenta = [0.9 - (0.9 - 0.8) * triangle(t, 6, 4) * scale(t) for t in range(STEPS)]
    np.testing.assert_allclose(momenta, want_momenta, rtol=1e-12)


def test_cyclic_lr_cycles_adams_beta1():
    optimizer = make_optimizer(Adam)
    sched.CyclicLR(optimizer, base_lr=0.01, max_lr=0.1, step_size_up=2, base_momentum=0.8,
                   max_momentum=0.9)
    assert optimizer.param_groups[0]["betas"] == (0.9, 0.999)


@pytest.mark.parametrize("anneal", ["cos", "linear"])
@pytest.mark.parametrize("three_phase", [False, True])
def test_one_cycle_lr(anneal, three_phase):
    optimizer = make_optimizer(momentum=0.9)
    peaks = [1.0, 2.0]
    scheduler = sched.OneCycleLR(optimizer, max_lr=peaks, total_steps=STEPS, pct_start=0.25,
                                 anneal_strategy=anneal, three_phase=three_phase)
    history, momenta = [], []
    for _ in range(STEPS):
        history.append([group["lr"] for group in optimizer.param_groups])
        momenta.append(optimizer.param_groups[0]["momentum"])
        scheduler.step()

    def anneal_fn(start, end, fraction):
        if anneal == "cos":
            return cosine(start, end, fraction)
        return start + (end - start) * fraction

    def closed_form(peak, t):
        initial, final = peak / 25.0, peak / 25.0 / 1e4
        up_end = 0.25 * STEPS - 1                   # the step at which the lr peaks
        if t <= up_end:
            return anneal_fn(initial, peak, t / up_end), anneal_fn(0.95, 0.85, t / up_end)
        if three_phase and t <= 2 * up_end:
            fraction = (t - up_end) / up_end
            return anneal_fn(peak, initial, fraction), anneal_fn(0.85, 0.95, fraction)
        start = 2 * up_end if three_phase else up_end
        fraction = (t - start) / (STEPS - 1 - start)
        return (anneal_fn(initial if three_phase else peak, final, fraction),
                anneal_fn(0.95 if three_phase else 0.85, 0.95, fraction))

    want = [[closed_form(peak, t)[0] for peak in peaks] for t in range(STEPS)]
    np.testing.assert_allclose(history, want, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(momenta, [closed_form(1.0, t)[1] for t in range(STEPS)],
                               rtol=1e-12)
    assert math.isclose(history[-1][0], 1.0 / 25 / 1e4)
    assert scheduler.last_epoch == STEPS          # stepping to total_steps is allowed, not past
    with pytest.raises(ValueError, match="tried to step 101 times; the specified number of "
                                         "total steps is 100"):
        scheduler.step()


def test_sequential_lr():
    optimizer = make_optimizer()
    warmup = sched.LinearLR(optimizer, start_factor=0.1, total_iters=10)
    cosine_part = sched.CosineAnnealingLR(optimizer, T_max=50)
    decay = sched.ExponentialLR(optimizer, gamma=0.9)
    scheduler = sched.SequentialLR(optimizer, [warmup, cosine_part, decay], milestones=[10, 60])

    def closed_form(base, t):
        if t < 10:
            return base * (0.1 + 0.9 * t / 10)
        if t < 60:
            return base * (1 + math.cos(math.pi * (t - 10) / 50)) / 2
        return base * 0.9 ** (t - 60)

    np.testing.assert_allclose(lr_history(optimizer, scheduler), expected(closed_form),
                               rtol=1e-12, atol=1e-15)


def test_initial_lr_is_kept_by_a_second_scheduler():
    optimizer = make_optimizer()
    first = sched.StepLR(optimizer, step_size=1, gamma=0.5)
    first.step()
    second = sched.ExponentialLR(optimizer, gamma=0.9)
    assert [group["initial_lr"] for group in optimizer.param_groups] == list(BASE_LRS)
    assert second.base_lrs == list(BASE_LRS)


def test_resuming_with_last_epoch_needs_initial_lr():
    optimizer = make_optimizer()
    with pytest.raises(KeyError, match=r"param 'initial_lr' is not specified in "
                                       r"param_groups\[0\]"):
        sched.StepLR(optimizer, step_size=3, last_epoch=5)
    for group in optimizer.param_groups:
        group["initial_lr"] = group["lr"]
    scheduler = sched.StepLR(optimizer, step_size=3, gamma=0.5, last_epoch=5)
    assert scheduler.last_epoch == 6                 # the constructor's step, as in PyTorch
    assert math.isclose(optimizer.param_groups[0]["lr"], BASE_LRS[0] * 0.25)


# ---------------------------------------------------------------------------------------------
# state_dict round trips
# ---------------------------------------------------------------------------------------------

ROUND_TRIP = [
    ("StepLR", lambda o: sched.StepLR(o, step_size=7)),
    ("CosineAnnealingLR", lambda o: sched.CosineAnnealingLR(o, T_max=30)),
    ("CosineAnnealingWarmRestarts", lambda o: sched.CosineAnnealingWarmRestarts(o, 5, 2)),
    ("LambdaLR", lambda o: sched.LambdaLR(o, lambda t: 0.97 ** t)),
    ("MultiplicativeLR", lambda o: sched.MultiplicativeLR(o, lambda t: 0.97)),
    ("CyclicLR", lambda o: sched.CyclicLR(o, 0.01, 0.1, step_size_up=5, mode="triangular2")),
    ("OneCycleLR", lambda o: sched.OneCycleLR(o, max_lr=1.0, total_steps=80)),
    ("NoamLR", lambda o: sched.NoamLR(o, d_model=16, warmup_steps=10)),
    ("SequentialLR", lambda o: sched.SequentialLR(
        o, [sched.LinearLR(o, 0.5, total_iters=5), sched.ExponentialLR(o, 0.9)], [5])),
]


@pytest.mark.parametrize("name,make", ROUND_TRIP, ids=[c[0] for c in ROUND_TRIP])
def test_state_dict_round_trip_through_save_and_load(name, make, tmp_path):
    optimizer = make_optimizer(momentum=0.9)
    scheduler = make(optimizer)
    for _ in range(37):
        optimizer.step()
        scheduler.step()
    path = tmp_path / "schedule.npz"
    save({"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict()}, path)
    uninterrupted = lr_history(optimizer, scheduler, steps=30)

    restored_optimizer = make_optimizer(momentum=0.9)
    restored = make(restored_optimizer)
    checkpoint = load(path)
    restored_optimizer.load_state_dict(checkpoint["optimizer"])
    restored.load_state_dict(checkpoint["scheduler"])
    assert restored.last_epoch == 37
    np.testing.assert_array_equal(lr_history(restored_optimizer, restored, steps=30),
                                  uninterrupted)


def test_plateau_state_dict_round_trip():
    optimizer = make_optimizer()
    scheduler = sched.ReduceLROnPlateau(optimizer, patience=2, cooldown=1)
    metrics = [1.0, 0.9, 0.95, 0.95, 0.95, 0.95, 0.8, 0.85, 0.85, 0.85, 0.85, 0.85]
    for metric in metrics[:5]:
        scheduler.step(metric)
    state = scheduler.state_dict()
    restored_optimizer = make_optimizer()
    restored_optimizer.load_state_dict(optimizer.state_dict())
    restored = sched.ReduceLROnPlateau(restored_optimizer)
    restored.load_state_dict(state)
    for metric in metrics[5:]:
        scheduler.step(metric)
        restored.step(metric)
        assert restored.get_last_lr() == scheduler.get_last_lr()
    assert (restored.patience, restored.cooldown, restored.best) == (2, 1, 0.8)


# ---------------------------------------------------------------------------------------------
# ReduceLROnPlateau
# ---------------------------------------------------------------------------------------------


def plateau_lrs(metrics, **kwargs):
    optimizer = make_optimizer()
    scheduler = sched.ReduceLROnPlateau(optimizer, **kwargs)
    lrs = []
    for metric in metrics:
        scheduler.step(metric)
        lrs.append(optimizer.param_groups[0]["lr"])
    return lrs


def test_plateau_waits_patience_epochs():
    # best 1.0 at epoch 0; epochs 1, 2, 3 are bad; the 3rd bad one (> patience 2) reduces
    lrs = plateau_lrs([1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0], factor=0.5, patience=2)
    np.testing.assert_allclose(lrs, [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025])


def test_plateau_improvement_resets_the_count():
    lrs = plateau_lrs([1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5], factor=0.5, patience=2)
    np.testing.assert_allclose(lrs, [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.05])


def test_plateau_cooldown_ignores_bad_epochs():
    # reduce at epoch 2 (patience 1), then 2 cooldown epochs, then 2 more bad epochs to reduce
    lrs = plateau_lrs([1.0] * 8, factor=0.5, patience=1, cooldown=2)
    np.testing.assert_allclose(lrs, [0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.025, 0.025])


def test_plateau_threshold_modes():
    # relative: 0.9995 is not below 1.0 * (1 - 1e-3), so it is a bad epoch
    assert plateau_lrs([1.0, 0.9995, 0.9995], factor=0.5, patience=1, threshold=1e-3)[-1] == 0.05
    # absolute: 0.95 is below 1.0 - 0.01, so it improves
    assert plateau_lrs([1.0, 0.95, 0.9], factor=0.5, patience=1, threshold=0.01,
                       threshold_mode="abs")[-1] == 0.1
    # mode max: rising accuracies are improvements, falling ones are not
    assert plateau_lrs([0.5, 0.6, 0.7], mode="max", factor=0.5, patience=0)[-1] == 0.1
    assert plateau_lrs([0.7, 0.6, 0.5], mode="max", factor=0.5, patience=0)[-1] == 0.025


def test_plateau_min_lr_and_eps():
    lrs = plateau_lrs([1.0] * 10, factor=0.5, patience=0, min_lr=0.02)
    assert lrs[-1] == 0.02
    # a reduction smaller than eps is not applied
    assert plateau_lrs([1.0, 1.0], factor=0.5, patience=0, eps=0.1)[-1] == 0.1


def test_plateau_per_group_min_lr_and_tensor_metrics():
    optimizer = make_optimizer()
    scheduler = sched.ReduceLROnPlateau(optimizer, factor=0.1, patience=0, min_lr=[0.05, 0.0])
    for metric in [1.0, 1.0, 1.0]:
        scheduler.step(minigrad.tensor(metric))
    assert scheduler.get_last_lr() == [0.05, pytest.approx(0.003)]


# ---------------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("make,error,message", [
    (lambda o: sched.StepLR("not an optimizer", 3), TypeError, "str is not an Optimizer"),
    (lambda o: sched.StepLR(o, step_size=0), ValueError, "step_size must be a positive"),
    (lambda o: sched.LinearLR(o, start_factor=0), ValueError, r"start_factor must be in \(0, 1\]"),
    (lambda o: sched.LinearLR(o, end_factor=1.5), ValueError, r"end_factor must be in \[0, 1\]"),
    (lambda o: sched.ConstantLR(o, factor=2), ValueError, r"factor must be in \[0, 1\]"),
    (lambda o: sched.InverseTimeLR(o, decay_rate=-1), ValueError, "decay_rate must be >= 0"),
    (lambda o: sched.PolynomialLR(o, total_iters=0), ValueError, "total_iters must be >= 1"),
    (lambda o: sched.CosineAnnealingLR(o, T_max=0), ValueError, "T_max must be > 0"),
    (lambda o: sched.CosineAnnealingWarmRestarts(o, T_0=0), ValueError, "positive integer T_0"),
    (lambda o: sched.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=0), ValueError,
     "integer T_mult >= 1"),
    (lambda o: sched.NoamLR(o, d_model=0, warmup_steps=10), ValueError, "d_model must be > 0"),
    (lambda o: sched.NoamLR(o, d_model=8, warmup_steps=0), ValueError,
     "warmup_steps must be > 0"),
    (lambda o: sched.LambdaLR(o, [lambda t: 1.0]), ValueError,
     "expected 2 values for lr_lambda"),
    (lambda o: sched.CyclicLR(o, 0.1, 1.0, mode="sawtooth"), ValueError,
     "mode 'sawtooth' is invalid"),
    (lambda o: sched.CyclicLR(o, 0.1, 1.0, step_size_up=0), ValueError, "step sizes must be > 0"),
    (lambda o: sched.OneCycleLR(o, max_lr=1.0), ValueError, "either total_steps OR"),
    (lambda o: sched.OneCycleLR(o, max_lr=1.0, total_steps=10, pct_start=1.5), ValueError,
     "pct_start between 0 and 1"),
    (lambda o: sched.OneCycleLR(o, max_lr=1.0, total_steps=10, anneal_strategy="exp"),
     ValueError, "anneal_strategy must be 'cos' or 'linear'"),
    (lambda o: sched.SequentialLR(o, [sched.StepLR(o, 2), sched.StepLR(o, 3)], [1, 2]),
     ValueError, "one milestone fewer than schedulers"),
    (lambda o: sched.SequentialLR(o, [sched.ReduceLROnPlateau(o)], []), ValueError,
     "does not support ReduceLROnPlateau"),
    (lambda o: sched.ReduceLROnPlateau(o, factor=1.0), ValueError, "factor should be < 1.0"),
    (lambda o: sched.ReduceLROnPlateau(o, mode="up"), ValueError, "mode 'up' is unknown"),
    (lambda o: sched.ReduceLROnPlateau(o, threshold_mode="x"), ValueError,
     "threshold mode 'x' is unknown"),
])
def test_bad_arguments(make, error, message):
    with pytest.raises(error, match=message):
        make(make_optimizer())


def test_cycling_momentum_needs_an_optimizer_with_momentum():
    optimizer = minigrad.optim.Adagrad([minigrad.zeros(1, requires_grad=True)])
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
        sched.OneCycleLR(optimizer, max_lr=1.0, total_steps=10)


class Warmup:
    """A callable object: LambdaLR's state_dict keeps its attributes (functions are skipped)."""

    def __init__(self, steps):
        self.steps = steps

    def __call__(self, t):
        return min(1.0, (t + 1) / self.steps)


def test_lambda_state_dict_keeps_callable_objects_attributes():
    optimizer = make_optimizer()
    scheduler = sched.LambdaLR(optimizer, [Warmup(10), lambda t: 1.0])
    state = scheduler.state_dict()
    assert state["lr_lambdas"] == [{"steps": 10}, None]
    restored = sched.LambdaLR(make_optimizer(), [Warmup(99), lambda t: 1.0])
    restored.load_state_dict(state)
    assert restored.lr_lambdas[0].steps == 10


def test_cyclic_lr_custom_scale_function():
    optimizer = make_optimizer(momentum=0.9)
    scheduler = sched.CyclicLR(optimizer, base_lr=0.0, max_lr=1.0, step_size_up=2,
                               scale_fn=lambda x: 1 / (1 + x), scale_mode="iterations",
                               cycle_momentum=False)
    history = lr_history(optimizer, scheduler, steps=8)[:, 0]
    want = [triangle(t, 2, 2) / (1 + t) for t in range(8)]
    np.testing.assert_allclose(history, want, rtol=1e-12)
    assert optimizer.param_groups[0]["momentum"] == 0.9      # not cycled
