"""The Optimizer base: parameter groups, zero_grad, step(closure), skipping parameters without
gradients, no graph and no per-step allocation, state_dict/load_state_dict (also through
minigrad.save/load, resuming on the identical trajectory), and bad input."""

import tracemalloc

import numpy as np
import pytest

import minigrad
from minigrad import nn
from minigrad.optim import SGD, Adadelta, Adagrad, Adam, AdamW, RMSprop
from minigrad.serialization import load, save

# Every optimizer with the options that create the most state.
FULL_OPTIONS = [
    (SGD, dict(lr=0.1, momentum=0.9, weight_decay=0.01, nesterov=True)),
    (SGD, dict(lr=0.1, momentum=0.9, dampening=0.1, maximize=True)),
    (Adagrad, dict(lr=0.1, lr_decay=0.01, weight_decay=0.01)),
    (Adadelta, dict(weight_decay=0.01)),
    (RMSprop, dict(momentum=0.9, centered=True, weight_decay=0.01)),
    (Adam, dict(lr=0.01, amsgrad=True, weight_decay=0.01)),
    (AdamW, dict(lr=0.01, amsgrad=True)),
]
IDS = [f"{cls.__name__}-{i}" for i, (cls, _) in enumerate(FULL_OPTIONS)]


# ---------------------------------------------------------------------------------------------
# Parameter groups
# ---------------------------------------------------------------------------------------------


def test_groups_take_defaults_for_missing_hyperparameters():
    a, b = minigrad.zeros(2, requires_grad=True), minigrad.zeros(3, requires_grad=True)
    optimizer = SGD([{"params": [a]}, {"params": b, "lr": 0.5, "momentum": 0.9}], lr=0.1)
    first, second = optimizer.param_groups
    assert first["params"] == [a] and second["params"] == [b]
    assert (first["lr"], first["momentum"]) == (0.1, 0)
    assert (second["lr"], second["momentum"]) == (0.5, 0.9)
    assert first["nesterov"] is False and second["weight_decay"] == 0


def test_each_group_uses_its_own_hyperparameters():
    a, b = minigrad.ones(2, requires_grad=True), minigrad.ones(2, requires_grad=True)
    optimizer = SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    a.grad, b.grad = minigrad.ones(2), minigrad.ones(2)
    optimizer.step()
    np.testing.assert_allclose(a.detach().numpy(), [0.9, 0.9])
    np.testing.assert_allclose(b.detach().numpy(), [0.5, 0.5])


def test_add_param_group_later():
    a, b = minigrad.ones(1, requires_grad=True), minigrad.ones(1, requires_grad=True)
    optimizer = Adam([a], lr=0.1)
    optimizer.add_param_group({"params": [b], "lr": 0.01})
    assert len(optimizer.param_groups) == 2
    assert optimizer.param_groups[1]["betas"] == (0.9, 0.999)
    b.grad = minigrad.ones(1)
    optimizer.step()                      # a has no gradient: skipped
    np.testing.assert_allclose(a.detach().numpy(), [1.0])
    np.testing.assert_allclose(b.detach().numpy(), [0.99], rtol=1e-6)
    assert a not in optimizer.state


def test_named_parameters_are_accepted():
    model = nn.Linear(2, 1)
    optimizer = SGD(model.named_parameters(), lr=0.1)
    assert optimizer.param_groups[0]["param_names"] == ["weight", "bias"]
    assert optimizer.param_groups[0]["params"] == list(model.parameters())


def test_a_parameter_given_twice_in_one_group_is_an_error():
    param = minigrad.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match=r"appears twice in one parameter group \(parameter 1 "
                                         r"repeats parameter 0\)"):
        SGD([param, param], lr=0.1)


def test_a_parameter_in_two_groups_is_an_error():
    a, b = minigrad.zeros(2, requires_grad=True), minigrad.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="appear in more than one parameter group"):
        SGD([{"params": [a, b]}, {"params": [b]}], lr=0.1)
    optimizer = SGD([a], lr=0.1)
    with pytest.raises(ValueError, match=r"more than one parameter group \(already in group 0"):
        optimizer.add_param_group({"params": [a]})
    assert len(optimizer.param_groups) == 1


def test_bad_params_arguments():
    param = minigrad.zeros(2, requires_grad=True)
    with pytest.raises(TypeError, match="iterable of Tensors or dicts, but got Tensor"):
        SGD(param, lr=0.1)
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        SGD([], lr=0.1)
    with pytest.raises(TypeError, match="ordered collections"):
        SGD([{"params": {param}}], lr=0.1)
    with pytest.raises(TypeError, match="optimizer can only optimize Tensors, but parameter 1 "
                                        "of the group is a ndarray"):
        SGD([param, np.zeros(2)], lr=0.1)
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        SGD([param * 2], lr=0.1)


# ---------------------------------------------------------------------------------------------
# zero_grad and step
# ---------------------------------------------------------------------------------------------


def test_zero_grad_sets_to_none_by_default():
    param = minigrad.ones(2, requires_grad=True)
    (param * param).sum().backward()
    optimizer = SGD([param], lr=0.1)
    optimizer.zero_grad()
    assert param.grad is None


def test_zero_grad_can_fill_with_zeros():
    param = minigrad.ones(2, requires_grad=True)
    (param * param).sum().backward()
    optimizer = SGD([param], lr=0.1)
    optimizer.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(param.grad.numpy(), [0.0, 0.0])
    (param * 3).sum().backward()
    np.testing.assert_array_equal(param.grad.numpy(), [3.0, 3.0])


def test_step_with_closure_reevaluates_under_enable_grad_and_returns_the_loss():
    param = minigrad.tensor([2.0], requires_grad=True)
    optimizer = SGD([param], lr=0.25)
    calls = []

    def closure():
        optimizer.zero_grad()
        loss = (param * param).sum()
        loss.backward()
        calls.append(loss.item())
        return loss

    with minigrad.no_grad():                        # the closure still records its graph
        loss = optimizer.step(closure)
    assert calls == [4.0]
    assert loss.item() == 4.0
    np.testing.assert_allclose(param.detach().numpy(), [1.0])    # 2 - 0.25 * 2 * 2


@pytest.mark.parametrize("cls,options", FULL_OPTIONS, ids=IDS)
def test_step_builds_no_graph_and_updates_in_place(cls, options):
    param = minigrad.tensor([[1.0, -2.0], [0.5, 3.0]], requires_grad=True)
    storage = param.data
    gradient = minigrad.tensor([[0.1, 0.2], [-0.3, 0.4]])
    gradient_values = gradient.data.copy()
    optimizer = cls([param], **options)
    for _ in range(3):
        param.grad = gradient
        optimizer.step()
    assert param.data is storage                       # the parameter's own array, in place
    assert param.is_leaf and param.requires_grad
    np.testing.assert_array_equal(gradient.data, gradient_values)    # gradients only read
    assert not np.allclose(param.detach().numpy(), [[1.0, -2.0], [0.5, 3.0]])
    for key, value in optimizer.state[param].items():
        if key != "step":
            assert value.creator is None and not value.requires_grad


@pytest.mark.parametrize("cls,options", FULL_OPTIONS, ids=IDS)
def test_step_allocates_no_memory_proportional_to_the_model(cls, options):
    """After the first step (which creates the state), a step allocates (almost) nothing."""
    params = [minigrad.zeros(40_000, dtype=minigrad.float64, requires_grad=True),
              minigrad.zeros(200, 100, dtype=minigrad.float64, requires_grad=True)]
    for param in params:
        param.grad = minigrad.ones(*param.shape, dtype=minigrad.float64)
    optimizer = cls(params, **options)
    optimizer.step()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        baseline = tracemalloc.get_traced_memory()[0]
        optimizer.step()
        peak = tracemalloc.get_traced_memory()[1] - baseline
    finally:
        tracemalloc.stop()
    model_bytes = sum(p.data.nbytes for p in params)
    assert peak < model_bytes / 50, f"{cls.__name__} allocated {peak} bytes in one step"


def test_a_gradient_of_the_wrong_shape_is_an_error():
    param = minigrad.zeros(2, 3, requires_grad=True)
    param.grad = minigrad.zeros(3, 2)
    with pytest.raises(ValueError, match=r"SGD.step: the gradient has shape \(3, 2\) but its "
                                         r"parameter has shape \(2, 3\)"):
        SGD([param], lr=0.1).step()


def test_repr_lists_the_groups():
    optimizer = SGD([minigrad.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
    text = repr(optimizer)
    assert text.startswith("SGD (\nParameter Group 0\n")
    assert "    lr: 0.1\n" in text and "    momentum: 0.9\n" in text


# ---------------------------------------------------------------------------------------------
# state_dict and load_state_dict
# ---------------------------------------------------------------------------------------------


def _model_and_data(seed=0):
    minigrad.manual_seed(seed)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    rng = np.random.default_rng(seed)
    x = minigrad.tensor(rng.standard_normal((8, 3)), dtype=minigrad.float32)
    y = minigrad.tensor(rng.standard_normal((8, 1)), dtype=minigrad.float32)
    return model, x, y


def _train(model, optimizer, x, y, steps):
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def test_state_dict_layout_is_pytorchs():
    a, b = minigrad.ones(2, requires_grad=True), minigrad.ones(3, requires_grad=True)
    optimizer = SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.9)
    b.grad = minigrad.ones(3)
    optimizer.step()
    state = optimizer.state_dict()
    assert set(state) == {"state", "param_groups"}
    assert list(state["state"]) == [1]                    # only b has state; named by position
    assert set(state["state"][1]) == {"momentum_buffer"}
    assert [group["params"] for group in state["param_groups"]] == [[0], [1]]
    assert state["param_groups"][1]["lr"] == 0.5
    assert state["param_groups"][0]["momentum"] == 0.9


@pytest.mark.parametrize("cls,options", FULL_OPTIONS, ids=IDS)
def test_resuming_from_a_checkpoint_gives_the_identical_trajectory(cls, options, tmp_path):
    model, x, y = _model_and_data()
    optimizer = cls(model.parameters(), **options)
    _train(model, optimizer, x, y, 5)
    path = tmp_path / "checkpoint.npz"
    save({"model": model.state_dict(), "optimizer": optimizer.state_dict()}, path)
    uninterrupted = _train(model, optimizer, x, y, 5)

    resumed_model, _, _ = _model_and_data(seed=1)               # different initial weights
    resumed_optimizer = cls(resumed_model.parameters(), lr=123.0)   # different lr too
    checkpoint = load(path)
    resumed_model.load_state_dict(checkpoint["model"])
    resumed_optimizer.load_state_dict(checkpoint["optimizer"])
    resumed = _train(resumed_model, resumed_optimizer, x, y, 5)

    assert resumed == uninterrupted
    for p, q in zip(model.parameters(), resumed_model.parameters()):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
    assert resumed_optimizer.param_groups[0]["lr"] == optimizer.param_groups[0]["lr"]


def test_loaded_state_is_a_copy():
    param = minigrad.ones(2, requires_grad=True)
    optimizer = SGD([param], lr=0.1, momentum=0.9)
    param.grad = minigrad.ones(2)
    optimizer.step()
    state = optimizer.state_dict()
    other_param = minigrad.ones(2, requires_grad=True)
    other = SGD([other_param], lr=0.1, momentum=0.9)
    other.load_state_dict(state)
    other_param.grad = minigrad.ones(2)
    other.step()
    np.testing.assert_allclose(state["state"][0]["momentum_buffer"].numpy(), [1.0, 1.0])


def test_loaded_state_follows_the_parameters_dtype_and_tuples_come_back():
    param64 = minigrad.ones(3, dtype=minigrad.float64, requires_grad=True)
    optimizer = Adam([param64], betas=(0.8, 0.9))
    param64.grad = minigrad.ones(3, dtype=minigrad.float64)
    optimizer.step()
    state = optimizer.state_dict()
    state["param_groups"][0]["betas"] = [0.8, 0.9]          # as a list, like a JSON round trip
    state["state"][0]["step"] = np.array(1)

    param32 = minigrad.ones(3, requires_grad=True)
    restored = Adam([param32])
    restored.load_state_dict(state)
    assert restored.param_groups[0]["betas"] == (0.8, 0.9)
    assert restored.state[param32]["step"] == 1 and isinstance(
        restored.state[param32]["step"], int)
    for name in ("exp_avg", "exp_avg_sq"):
        assert restored.state[param32][name].dtype == minigrad.float32
        assert restored.state[param32][name].device == param32.device


def test_loading_state_of_a_different_shape_is_an_error():
    small = minigrad.ones(2, 3, requires_grad=True)
    optimizer = Adam([small])
    small.grad = minigrad.ones(2, 3)
    optimizer.step()
    big = minigrad.ones(3, 3, requires_grad=True)
    other = Adam([big], lr=0.5)
    with pytest.raises(ValueError, match=r"Adam.load_state_dict: state 'exp_avg' of parameter 0 "
                                         r"has shape \(2, 3\) but the parameter has shape "
                                         r"\(3, 3\)"):
        other.load_state_dict(optimizer.state_dict())
    assert other.param_groups[0]["lr"] == 0.5 and len(other.state) == 0     # nothing changed


def test_loading_state_with_other_groups_is_an_error():
    a, b = minigrad.ones(2, requires_grad=True), minigrad.ones(2, requires_grad=True)
    two_groups = SGD([{"params": [a]}, {"params": [b]}], lr=0.1)
    one_group = SGD([a, b], lr=0.1)
    with pytest.raises(ValueError, match="the loaded state has 2 parameter groups but the "
                                         "optimizer has 1"):
        one_group.load_state_dict(two_groups.state_dict())
    with pytest.raises(ValueError, match="parameter group 0 has 1 parameters in the loaded "
                                         "state but 2 in the optimizer"):
        SGD([{"params": [a, b]}, {"params": [minigrad.ones(1, requires_grad=True)]}],
            lr=0.1).load_state_dict(two_groups.state_dict())
