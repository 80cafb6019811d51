"""The Optimizer base class: parameter groups, per-parameter state, ``zero_grad``, ``step`` and
``state_dict``/``load_state_dict`` in PyTorch's layout.

Holds:
    Optimizer -- the base of SGD, Adagrad, Adadelta, RMSprop, Adam and AdamW

A subclass writes two things:

    ``_check_group(group)``
        raises ValueError for a hyperparameter out of range (run for the defaults and for every
        group added, so ``SGD([{'params': ps, 'lr': -1}])`` is caught too);
    ``_update(param, grad, state, group)``
        the update rule for one parameter: ``param`` is the parameter's backend array, changed
        IN PLACE; ``grad`` its gradient array, only read (a gradient may be shared, so it is
        never written); ``state`` the parameter's state dict; ``group`` its hyperparameters.

``step()`` calls ``_update`` for every parameter that has a gradient, under ``no_grad``.  The
updates are written as sequences of in-place array operations (``*=``, ``+=``, ``out=``): the
optimizer's state arrays are reused from step to step, and intermediate results go to a few
work arrays (see ``_work_array``), so a step allocates no memory proportional to the model.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Callable

import numpy as np

from .. import backend
from ..autograd import enable_grad, no_grad
from ..tensor import Tensor

__all__ = ["Optimizer"]


class Optimizer:
    """Base class of all optimizers (PyTorch's ``torch.optim.Optimizer``).

    ``params`` is an iterable of Tensors, of ``(name, Tensor)`` pairs (``named_parameters()``),
    or of dicts ("parameter groups") such as ``{'params': [w], 'lr': 0.1}``; a group's missing
    hyperparameters are filled in from ``defaults``.

    Attributes:
        defaults      the hyperparameters given to the constructor
        param_groups  list of dicts: ``'params'`` (list of Tensors) and the hyperparameters
        state         per-parameter state: ``state[param]`` is a dict (momentum buffers, ...)

    >>> import minigrad
    >>> w = minigrad.tensor([1.0, 2.0], requires_grad=True)
    >>> b = minigrad.tensor([0.0], requires_grad=True)
    >>> opt = minigrad.optim.SGD([{'params': [w]}, {'params': [b], 'lr': 0.5}], lr=0.1)
    >>> [group['lr'] for group in opt.param_groups]
    [0.1, 0.5]
    """

    def __init__(self, params, defaults: dict):
        self.defaults = dict(defaults)
        self._check_group(self.defaults)
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict] = []
        self._work: dict = {}

        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or "
                f"dicts, but got {type(params).__name__}"
            )
        groups = list(params)
        if len(groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # -----------------------------------------------------------------------------------------
    # Parameter groups
    # -----------------------------------------------------------------------------------------

    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters with its own hyperparameters (e.g. when unfreezing layers
        during fine-tuning).  Missing hyperparameters take the optimizer's defaults.

        A parameter may belong to one group only, once: a repeat raises ValueError.
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, got {type(param_group).__name__}")
        if "params" not in param_group:
            raise ValueError("param_group must have a 'params' entry")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the "
                "ordering of tensors in sets will change between runs; use a list instead"
            )
        else:
            params = list(params)

        names = [p[0] for p in params if isinstance(p, tuple) and len(p) == 2]
        if names:
            if len(names) != len(params):
                raise ValueError("all optimized parameters must be given with names, or none")
            param_group["param_names"] = names
            params = [p[1] for p in params]

        for index, param in enumerate(params):
            if not isinstance(param, Tensor):
                raise TypeError(
                    "optimizer can only optimize Tensors, but parameter "
                    f"{index} of the group is a {type(param).__name__}"
                )
            if not param.is_leaf:
                raise ValueError(
                    f"can't optimize a non-leaf Tensor (parameter {index} of the group was made "
                    f"by {param.creator!r}); optimize the leaf it was computed from, or detach it"
                )

        first_seen = {}
        for index, param in enumerate(params):
            if id(param) in first_seen:
                raise ValueError(
                    f"a parameter appears twice in one parameter group (parameter {index} "
                    f"repeats parameter {first_seen[id(param)]}); give each parameter once"
                )
            first_seen[id(param)] = index
        for number, group in enumerate(self.param_groups):
            if any(id(p) in first_seen for p in group["params"]):
                raise ValueError(
                    "some parameters appear in more than one parameter group (already in "
                    f"group {number}); give each parameter to one group only"
                )

        param_group["params"] = params
        for name, default in self.defaults.items():
            param_group.setdefault(name, default)
        self._check_group(param_group)
        self.param_groups.append(param_group)

    def _check_group(self, group: dict) -> None:
        """Raise ValueError when a hyperparameter of ``group`` is out of range (subclasses)."""

    # -----------------------------------------------------------------------------------------
    # zero_grad and step
    # -----------------------------------------------------------------------------------------

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters before the next backward.

        ``set_to_none=True`` (the default) drops them (``p.grad = None``: no memory is kept and
        the optimizer skips a parameter that gets no new gradient); ``False`` fills the
        existing gradient arrays with zeros.
        """
        for group in self.param_groups:
            for param in group["params"]:
                if param.grad is None:
                    continue
                if set_to_none:
                    param.grad = None
                else:
                    param.grad.detach_()
                    param.grad.data.fill(0)

    def step(self, closure: Callable | None = None):
        """Update every parameter that has a gradient (parameters whose ``.grad`` is None are
        skipped).

        ``closure``, when given, is called first under ``enable_grad``: it should zero the
        gradients, compute the loss, call ``backward`` and return the loss, which ``step`` then
        returns.  The update itself runs under ``no_grad`` and changes the parameters' arrays
        in place.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                for param in group["params"]:
                    if param.grad is None:
                        continue
                    grad = param.grad.data
                    if grad.shape != param.data.shape:
                        raise ValueError(
                            f"{type(self).__name__}.step: the gradient has shape "
                            f"{tuple(grad.shape)} but its parameter has shape "
                            f"{tuple(param.data.shape)}"
                        )
                    self._update(param.data, grad, self.state[param], group)
        return loss

    def _update(self, param, grad, state: dict, group: dict) -> None:
        """Apply the update rule to one parameter array, in place (subclasses)."""
        raise NotImplementedError(f"{type(self).__name__} must define _update (abstract method)")

    # -----------------------------------------------------------------------------------------
    # Helpers for the update rules
    # -----------------------------------------------------------------------------------------

    def _work_array(self, param, slot: int):
        """A scratch array shaped like ``param`` for intermediate results of an update.

        One flat buffer per (slot, device, dtype), as long as the largest parameter, is shared
        by all parameters and all steps: after the first step an update allocates nothing.
        Different slots are different buffers, so an update can hold several at once.
        """
        key = (slot, backend.device_of(param), param.dtype)
        buffer = self._work.get(key)
        if buffer is None or buffer.size < param.size:
            xp = backend.get_array_module(param)
            buffer = xp.empty(param.size, dtype=param.dtype)
            self._work[key] = buffer
        return buffer[:param.size].reshape(param.shape)

    def _state_array(self, state: dict, name: str, param, fill: float = 0.0):
        """The array of ``state[name]``, created as a Tensor full of ``fill`` shaped like
        ``param`` (same device and dtype) the first time it is asked for."""
        if name not in state:
            xp = backend.get_array_module(param)
            state[name] = Tensor(xp.full(param.shape, fill, dtype=param.dtype))
        return state[name].data

    def _gradient(self, param, grad, weight_decay: float, maximize: bool):
        """The gradient the rule uses: ``g = -grad`` when maximizing, else ``grad``, plus
        ``weight_decay * param`` (L2 regularisation) when weight_decay != 0.

        Returns ``grad`` itself when there is nothing to add (it is then only read), else a work
        array (slot 0) holding g.
        """
        if weight_decay == 0 and not maximize:
            return grad
        xp = backend.get_array_module(param)
        g = self._work_array(param, 0)
        if weight_decay == 0:
            xp.negative(grad, out=g)
            return g
        xp.multiply(param, weight_decay, out=g)
        if maximize:
            g -= grad
        else:
            g += grad
        return g

    # -----------------------------------------------------------------------------------------
    # Saving and loading
    # -----------------------------------------------------------------------------------------

    def state_dict(self) -> dict:
        """The optimizer's state as ``{'state': {index: {...}}, 'param_groups': [...]}``.

        Parameters are named by their position across all groups (0, 1, 2, ...), so the dict
        holds no Tensors of the model, only the optimizer's own (momentum buffers, ...), which
        are returned as they are, not copied.  Save it with ``minigrad.save``.
        """
        index_of: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {key: value for key, value in group.items() if key != "params"}
            for param in group["params"]:
                if id(param) not in index_of:
                    index_of[id(param)] = len(index_of)
            packed["params"] = [index_of[id(param)] for param in group["params"]]
            groups.append(packed)
        state = {}
        for param, values in self.state.items():
            if id(param) in index_of:
                state[index_of[id(param)]] = dict(values)
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore a state saved by ``state_dict`` (possibly through ``minigrad.save/load``).

        The groups must have as many parameters as when it was saved, and every state array
        the shape of its parameter (else ValueError); state arrays are copied onto their
        parameter's device and dtype.  Hyperparameters (lr, ...) are taken from the saved
        groups.
        """
        name = type(self).__name__
        groups = self.param_groups
        saved_groups = state_dict["param_groups"]
        if len(groups) != len(saved_groups):
            raise ValueError(
                f"{name}.load_state_dict: the loaded state has {len(saved_groups)} parameter "
                f"groups but the optimizer has {len(groups)}"
            )
        for number, (group, saved) in enumerate(zip(groups, saved_groups)):
            if len(group["params"]) != len(saved["params"]):
                raise ValueError(
                    f"{name}.load_state_dict: parameter group {number} has "
                    f"{len(saved['params'])} parameters in the loaded state but "
                    f"{len(group['params'])} in the optimizer"
                )
        param_of = {}
        for group, saved in zip(groups, saved_groups):
            for index, param in zip(saved["params"], group["params"]):
                param_of[int(index)] = param

        state: defaultdict = defaultdict(dict)
        for index, values in state_dict["state"].items():
            index = int(index)
            if index not in param_of:
                raise ValueError(
                    f"{name}.load_state_dict: the loaded state has an entry for parameter "
                    f"{index}, which no parameter group lists"
                )
            param = param_of[index]
            state[param] = {key: _state_value(name, key, value, param, index)
                            for key, value in values.items()}

        new_groups = []
        for group, saved in zip(groups, saved_groups):
            new_group = {key: _plain_value(value, group.get(key))
                         for key, value in saved.items() if key != "params"}
            new_group["params"] = group["params"]
            new_groups.append(new_group)
        self.param_groups = new_groups
        self.state = state

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for number, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {number}")
            for key in sorted(group):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)


def _state_value(optimizer: str, key: str, value, param: Tensor, index: int):
    """One loaded state entry: arrays become Tensors on the parameter's device and dtype (a
    copy), after their shape is checked; ``step`` becomes an int; the rest is deep-copied."""
    if key == "step":
        return int(value.item() if hasattr(value, "item") else value)
    if isinstance(value, Tensor):
        value = value.data
    if isinstance(value, np.ndarray) or backend.is_cuda_array(value):
        if tuple(value.shape) != tuple(param.shape):
            raise ValueError(
                f"{optimizer}.load_state_dict: state '{key}' of parameter {index} has shape "
                f"{tuple(value.shape)} but the parameter has shape {tuple(param.shape)}; "
                "was the state saved from a different model?"
            )
        array = backend.to_device(value, param.device).astype(param.dtype, copy=True)
        return Tensor(array)
    return copy.deepcopy(value)


def _plain_value(value, current):
    """A loaded hyperparameter as a plain Python value: 0-d arrays and Tensors become numbers,
    and a list becomes a tuple where the optimizer's own value is a tuple (betas)."""
    if isinstance(value, Tensor):
        value = value.data
    if isinstance(value, np.generic) or (
            (isinstance(value, np.ndarray) or backend.is_cuda_array(value)) and value.ndim == 0):
        return value.item()
    if isinstance(value, (list, tuple, np.ndarray)) and isinstance(current, tuple):
        return tuple(_plain_value(item, None) for item in value)
    return copy.deepcopy(value)


def invalid(optimizer: Optimizer | str, what: str, value, rule: str) -> ValueError:
    """The ValueError for a hyperparameter out of range, e.g.
    ``SGD: invalid learning rate: -0.1 (it must be >= 0)``."""
    name = optimizer if isinstance(optimizer, str) else type(optimizer).__name__
    return ValueError(f"{name}: invalid {what}: {value} ({rule})")
