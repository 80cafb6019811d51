"""Module, Parameter and the containers: registration, traversal, modes, devices and dtypes,
state dicts, repr, hooks."""

import copy
from collections import OrderedDict

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad
from minigrad import nn
from tests.harness import devices


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)
        self.scale = nn.Parameter(minigrad.ones(2))
        self.register_buffer("running", minigrad.zeros(2))
        self.register_buffer("scratch", minigrad.zeros(1), persistent=False)
        self.register_buffer("count", minigrad.tensor(0))
        self.plain = 5

    def forward(self, x):
        return self.fc(x) * self.scale + self.running


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()
        self.head = nn.Sequential(nn.ReLU(), nn.Linear(2, 1))

    def forward(self, x):
        return self.head(self.block(x))


# ---------------------------------------------------------------------------------------------
# Parameter
# ---------------------------------------------------------------------------------------------


def test_parameter_defaults_and_sharing():
    data = minigrad.zeros(3)
    p = nn.Parameter(data)
    assert isinstance(p, minigrad.Tensor)
    assert p.requires_grad and p.is_leaf
    assert p.data is data.data  # shares memory
    assert not nn.Parameter(minigrad.zeros(1), requires_grad=False).requires_grad
    assert nn.Parameter().shape == (0,)
    assert repr(nn.Parameter(minigrad.tensor([1.0]))).startswith("Parameter containing:\ntensor(")


def test_parameter_results_of_ops_are_plain_tensors():
    p = nn.Parameter(minigrad.ones(2))
    y = p * 2
    assert type(y) is minigrad.Tensor
    y.sum().backward()
    np.testing.assert_array_equal(p.grad.numpy(), [2.0, 2.0])


def test_parameter_has_no_instance_dict():
    with pytest.raises(AttributeError):
        nn.Parameter(minigrad.ones(1)).anything = 1


# ---------------------------------------------------------------------------------------------
# Registration and traversal
# ---------------------------------------------------------------------------------------------


def test_registration_and_named_members():
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["block.scale", "block.fc.weight", "block.fc.bias", "head.1.weight",
                     "head.1.bias"]
    assert [n for n, _ in net.named_buffers()] == ["block.running", "block.scratch",
                                                   "block.count"]
    assert [n for n, _ in net.named_children()] == ["block", "head"]
    assert [n for n, _ in net.named_modules()] == ["", "block", "block.fc", "head", "head.0",
                                                   "head.1"]
    assert len(list(net.parameters())) == 5
    assert len(list(net.block.parameters(recurse=False))) == 1
    assert net.block.plain == 5
    assert "plain" not in net.block._parameters
    assert net.get_submodule("head.1") is net.head[1]


def test_shared_parameter_listed_once():
    layer = nn.Linear(2, 2)
    model = nn.Sequential(layer, nn.ReLU(), layer)
    assert len(list(model.parameters())) == 2
    assert len(list(model.modules())) == 3  # Sequential, Linear once, ReLU


def test_reassignment_and_deletion():
    m = Block()
    m.scale = None  # declared but absent
    assert "scale" in m._parameters and m.scale is None
    assert len(list(m.parameters())) == 2
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as parameter 'scale'"):
        m.scale = minigrad.ones(2)
    m.scale = nn.Parameter(minigrad.ones(2))
    m.running = minigrad.ones(2)  # a buffer may be replaced by another tensor
    assert m._buffers["running"] is m.running
    with pytest.raises(TypeError, match="buffer 'running'"):
        m.running = 3.0
    del m.fc
    assert "fc" not in m._modules
    with pytest.raises(AttributeError, match="'Block' object has no attribute 'fc'"):
        m.fc


def test_register_errors():
    m = nn.Module()
    with pytest.raises(TypeError, match="parameter 'w'"):
        m.register_parameter("w", minigrad.ones(1))
    with pytest.raises(KeyError, match="must be non-empty and contain no"):
        m.register_buffer("a.b", minigrad.ones(1))
    with pytest.raises(TypeError, match="buffer name should be a string"):
        m.register_buffer(3, minigrad.ones(1))
    with pytest.raises(KeyError, match="already exists"):
        m.register_buffer("train", minigrad.ones(1))

    class Forgot(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(minigrad.ones(1))

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Forgot()


def test_missing_forward():
    with pytest.raises(NotImplementedError, match='missing the required "forward"'):
        nn.Module()(minigrad.ones(1))


# ---------------------------------------------------------------------------------------------
# Modes, gradients, freezing, apply
# ---------------------------------------------------------------------------------------------


def test_train_eval_recursive():
    net = Net()
    assert net.training and net.head[0].training
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    with pytest.raises(ValueError, match="bool"):
        net.train("yes")


def test_zero_grad_and_freeze():
    net = Net()
    net(minigrad.randn(4, 3)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.numpy().any() for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.block.requires_grad_(False)
    net(minigrad.randn(4, 3)).sum().backward()
    assert net.block.fc.weight.grad is None
    assert net.head[1].weight.grad is not None


def test_apply_visits_children_first():
    order = []
    Net().apply(lambda m: order.append(type(m).__name__))
    assert order == ["Linear", "Block", "ReLU", "Linear", "Sequential", "Net"]


def test_forward_hooks():
    net = Net()
    seen = []
    handle = net.block.register_forward_hook(lambda m, args, out: seen.append(out.shape))
    pre = net.head.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
    out = net(minigrad.randn(5, 3))
    assert seen == [(5, 2)]
    np.testing.assert_allclose(out.detach().numpy(),
                               np.broadcast_to(net.head[1].bias.detach().numpy(), (5, 1)))
    handle.remove()
    pre.remove()
    net(minigrad.randn(5, 3))
    assert seen == [(5, 2)]


# ---------------------------------------------------------------------------------------------
# to(): dtype and device, identity kept
# ---------------------------------------------------------------------------------------------


def test_to_dtype_keeps_parameter_identity():
    net = Net()
    params = list(net.parameters())
    net(minigrad.randn(2, 3)).sum().backward()
    assert net.double() is net
    assert [id(p) for p in net.parameters()] == [id(p) for p in params]
    assert all(p.dtype == minigrad.float64 for p in params)
    assert all(p.grad.dtype == minigrad.float64 for p in params)
    assert net.block.running.dtype == minigrad.float64
    assert net.block.count.dtype == minigrad.int64  # integer buffers keep their dtype
    net.to(minigrad.float32)
    assert all(p.dtype == minigrad.float32 for p in params)
    net.to(dtype="float64")
    assert params[0].dtype == minigrad.float64
    with pytest.raises(TypeError, match="floating point dtypes"):
        net.to(minigrad.int64)


def test_optimizer_style_update_after_to():
    net = nn.Linear(2, 1)
    held = list(net.parameters())
    net.double()
    with minigrad.no_grad():
        for p in held:
            p.fill_(1.0)
    np.testing.assert_array_equal(net(minigrad.ones(1, 2, dtype=minigrad.float64)).detach()
                                  .numpy(), [[3.0]])


@pytest.mark.parametrize("device", devices())
def test_to_device(device):
    net = Net().to(device)
    assert all(p.device == minigrad.device(device) for p in net.parameters())
    assert all(b.device == minigrad.device(device) for b in net.buffers())
    out = net(minigrad.randn(2, 3, device=device))
    assert out.device == minigrad.device(device)
    net.cpu()
    assert all(p.device.type == "cpu" for p in net.parameters())


# ---------------------------------------------------------------------------------------------
# state_dict / load_state_dict
# ---------------------------------------------------------------------------------------------


def test_state_dict_contents():
    net = Net()
    state = net.state_dict()
    assert isinstance(state, OrderedDict)
    assert list(state) == ["block.scale", "block.running", "block.count", "block.fc.weight",
                           "block.fc.bias", "head.1.weight", "head.1.bias"]
    assert "block.scratch" not in state  # non-persistent
    assert all(not t.requires_grad for t in state.values())
    assert type(state["block.scale"]) is minigrad.Tensor


def test_load_state_dict_round_trip_in_place():
    source, target = Net(), Net()
    weight = target.block.fc.weight
    result = target.load_state_dict(source.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    assert target.block.fc.weight is weight  # copied in place
    x = minigrad.randn(4, 3)
    np.testing.assert_array_equal(source(x).detach().numpy(), target(x).detach().numpy())
    # independent memory afterwards
    with minigrad.no_grad():
        source.block.fc.weight.fill_(0.0)
    assert target.block.fc.weight.detach().numpy().any()


def test_load_state_dict_converts_dtype():
    source = nn.Linear(2, 2).double()
    target = nn.Linear(2, 2)
    target.load_state_dict(source.state_dict())
    assert target.weight.dtype == minigrad.float32
    np.testing.assert_allclose(target.weight.detach().numpy(),
                               source.weight.detach().numpy().astype(np.float32))


def test_load_state_dict_errors():
    net = Net()
    state = net.state_dict()
    del state["block.scale"]
    state["extra"] = minigrad.ones(1)
    with pytest.raises(RuntimeError) as info:
        net.load_state_dict(state)
    message = str(info.value)
    assert 'Missing key(s) in state_dict: "block.scale"' in message
    assert 'Unexpected key(s) in state_dict: "extra"' in message
    result = net.load_state_dict(state, strict=False)
    assert result.missing_keys == ["block.scale"] and result.unexpected_keys == ["extra"]

    with pytest.raises(RuntimeError, match=r"size mismatch for weight: copying a param with "
                                           r"shape \(3, 2\) from checkpoint, the shape in "
                                           r"current model is \(4, 2\)"):
        nn.Linear(2, 4).load_state_dict(nn.Linear(2, 3).state_dict(), strict=False)
    with pytest.raises(TypeError, match="dict-like"):
        net.load_state_dict([1, 2])


# ---------------------------------------------------------------------------------------------
# repr
# ---------------------------------------------------------------------------------------------


def test_repr_matches_pytorch_format():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    assert repr(model) == ("Sequential(\n  (0): Linear(in_features=2, out_features=3, bias=True)"
                           "\n  (1): ReLU()\n)")
    net = Net()
    assert repr(net) == (
        "Net(\n"
        "  (block): Block(\n"
        "    (fc): Linear(in_features=3, out_features=2, bias=True)\n"
        "  )\n"
        "  (head): Sequential(\n"
        "    (0): ReLU()\n"
        "    (1): Linear(in_features=2, out_features=1, bias=True)\n"
        "  )\n"
        ")"
    )
    assert repr(nn.Module()) == "Module()"


def test_repr_multiline_extra_repr():
    class Odd(nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = nn.ReLU()

        def extra_repr(self):
            return "a=1"

    assert repr(Odd()) == "Odd(\n  a=1\n  (inner): ReLU()\n)"


# ---------------------------------------------------------------------------------------------
# Containers
# ---------------------------------------------------------------------------------------------


def test_sequential_indexing_and_editing():
    a, b, c = nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1)
    model = nn.Sequential(a, b, c)
    assert len(model) == 3 and model[0] is a and model[-1] is c
    assert model[np.int64(1)] is b
    with pytest.raises(TypeError, match="Sequential indices must be integers or slices, got "
                                        "str"):
        model["0"]
    head = model[:2]
    assert isinstance(head, nn.Sequential) and list(head) == [a, b]
    with pytest.raises(IndexError, match="index 3 is out of range for length 3"):
        model[3]
    model.append(nn.Sigmoid())
    assert [n for n, _ in model.named_children()] == ["0", "1", "2", "3"]
    del model[1]
    assert [n for n, _ in model.named_children()] == ["0", "1", "2"]
    assert model[1] is c
    model.insert(1, b)
    assert list(model)[:3] == [a, b, c]
    model[3] = nn.Tanh()
    assert isinstance(model[3], nn.Tanh)
    x = minigrad.randn(4, 2)
    expected = minigrad.tanh(c(minigrad.relu(a(x))))
    np.testing.assert_allclose(model(x).detach().numpy(), expected.detach().numpy())


def test_sequential_from_ordered_dict():
    model = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.ReLU())]))
    assert [n for n, _ in model.named_parameters()] == ["fc.weight", "fc.bias"]
    assert isinstance(model.act, nn.ReLU)
    assert repr(model[1:]) == "Sequential(\n  (act): ReLU()\n)"


def test_module_list():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(layers) == 3 and len(list(layers.parameters())) == 6
    layers.append(nn.ReLU())
    layers.extend([nn.Tanh()])
    layers += [nn.Sigmoid()]
    assert len(layers) == 6
    assert isinstance(layers[-1], nn.Sigmoid)
    assert isinstance(layers[1:3], nn.ModuleList) and len(layers[1:3]) == 2
    del layers[0]
    assert [n for n, _ in layers.named_children()] == ["0", "1", "2", "3", "4"]
    layers.insert(0, nn.Identity())
    assert isinstance(layers[0], nn.Identity) and len(layers) == 6
    assert repr(nn.ModuleList()) == "ModuleList()"
    assert repr(nn.ModuleList([nn.ReLU(), nn.ReLU(), nn.Tanh()])) == (
        "ModuleList(\n  (0-1): 2 x ReLU()\n  (2): Tanh()\n)")
    with pytest.raises(TypeError, match="iterable of modules"):
        layers.extend(nn.Linear(1, 1))


def test_module_dict():
    heads = nn.ModuleDict({"a": nn.Linear(2, 1), "b": nn.Linear(2, 3)})
    assert list(heads) == ["a", "b"] and len(heads) == 2
    heads["c"] = nn.ReLU()
    assert [n for n, _ in heads.named_parameters()] == ["a.weight", "a.bias", "b.weight",
                                                       "b.bias"]
    assert isinstance(heads.pop("c"), nn.ReLU) and "c" not in heads
    heads.update([("d", nn.Tanh())])
    assert list(heads.keys()) == ["a", "b", "d"]
    with pytest.raises(KeyError, match="no key 'z'"):
        heads["z"]
    heads.clear()
    assert len(heads) == 0


def test_deepcopy_gives_independent_parameters():
    net = Net()
    twin = copy.deepcopy(net)
    assert all(isinstance(p, nn.Parameter) for p in twin.parameters())
    for a, b in zip(net.parameters(), twin.parameters()):
        assert a is not b and a.data is not b.data
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    x = minigrad.randn(2, 3)
    np.testing.assert_array_equal(net(x).detach().numpy(), twin(x).detach().numpy())


# ---------------------------------------------------------------------------------------------
# Property: state_dict round trip for random stacks of layers
# ---------------------------------------------------------------------------------------------


@given(st.lists(st.integers(1, 4), min_size=2, max_size=5), st.booleans())
def test_state_dict_round_trip_property(widths, bias):
    def build():
        layers = []
        for fan_in, fan_out in zip(widths[:-1], widths[1:]):
            layers += [nn.Linear(fan_in, fan_out, bias=bias), nn.Tanh()]
        return nn.Sequential(*layers)

    source, target = build(), build()
    target.load_state_dict(source.state_dict())
    for (name_a, a), (name_b, b) in zip(source.named_parameters(), target.named_parameters()):
        assert name_a == name_b
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    assert len(list(source.parameters())) == (len(widths) - 1) * (2 if bias else 1)
