"""Adagrad: per-coordinate learning rates from the sum of squared gradients (Duchi et al., 2011).

Holds:
    Adagrad
"""

from __future__ import annotations

from .. import backend
from .optimizer import Optimizer, invalid

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    r"""Adagrad, as ``torch.optim.Adagrad``.

    Update rule, for each parameter theta with gradient grad, at step t = 1, 2, ...::

        g_t = -grad if maximize else grad
        lr_t = lr / (1 + (t - 1) * lr_decay)
        if weight_decay != 0:   g_t = g_t + weight_decay * theta_{t-1}
        s_t = s_{t-1} + g_t^2                        (s_0 = initial_accumulator_value)
        theta_t = theta_{t-1} - lr_t * g_t / (sqrt(s_t) + eps)

    The state holds ``step`` (t) and ``sum`` (s).  Coordinates with large past gradients get
    small steps; the steps shrink over time as s only grows.

    Args:
        params: Tensors or parameter groups to optimize
        lr: learning rate (default 1e-2)
        lr_decay: learning-rate decay (default 0)
        weight_decay: L2 penalty (default 0)
        initial_accumulator_value: starting value of s (default 0)
        eps: added to the denominator for numerical stability (default 1e-10)
        maximize: follow the gradient up instead of down

    >>> import minigrad
    >>> w = minigrad.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = minigrad.optim.Adagrad([w], lr=0.1)
    >>> (w * w).sum().backward()      # first step: lr * g / |g| = 0.1 * sign(g)
    >>> opt.step()
    >>> w
    tensor([ 0.9, -1.9], requires_grad=True)
    """

    def __init__(self, params, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, *,
                 maximize: bool = False):
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value,
                    "maximize": maximize}
        super().__init__(params, defaults)

    def _check_group(self, group: dict) -> None:
        if not group["lr"] >= 0:
            raise invalid(self, "learning rate", group["lr"], "it must be >= 0")
        if not group["lr_decay"] >= 0:
            raise invalid(self, "lr_decay value", group["lr_decay"], "it must be >= 0")
        if not group["weight_decay"] >= 0:
            raise invalid(self, "weight_decay value", group["weight_decay"], "it must be >= 0")
        if not group["initial_accumulator_value"] >= 0:
            raise invalid(self, "initial_accumulator_value", group["initial_accumulator_value"],
                          "it must be >= 0")
        if not group["eps"] >= 0:
            raise invalid(self, "epsilon value", group["eps"], "it must be >= 0")

    def _update(self, param, grad, state: dict, group: dict) -> None:
        xp = backend.get_array_module(param)
        state["step"] = step = state.get("step", 0) + 1
        accumulator = self._state_array(state, "sum", param,
                                        fill=group["initial_accumulator_value"])
        g = self._gradient(param, grad, group["weight_decay"], group["maximize"])
        work = self._work_array(param, 1)

        # lr_t = lr / (1 + (t - 1) * lr_decay)
        lr = group["lr"] / (1 + (step - 1) * group["lr_decay"])
        # s_t = s_{t-1} + g_t^2
        xp.multiply(g, g, out=work)
        accumulator += work
        # theta_t = theta_{t-1} - lr_t * g_t / (sqrt(s_t) + eps)
        xp.sqrt(accumulator, out=work)
        work += group["eps"]
        xp.divide(g, work, out=work)
        work *= lr
        param -= work
