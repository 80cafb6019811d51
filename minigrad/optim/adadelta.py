"""Adadelta: steps sized by running averages of squared gradients and squared updates (Zeiler,
2012).

Holds:
    Adadelta
"""

from __future__ import annotations

from .. import backend
from .optimizer import Optimizer, invalid

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    r"""Adadelta, as ``torch.optim.Adadelta``.

    Update rule, for each parameter theta with gradient grad, at step t = 1, 2, ...::

        g_t = -grad if maximize else grad
        if weight_decay != 0:   g_t = g_t + weight_decay * theta_{t-1}
        v_t = rho * v_{t-1} + (1 - rho) * g_t^2                   (v_0 = 0)
        delta_t = sqrt(u_{t-1} + eps) / sqrt(v_t + eps) * g_t
        u_t = rho * u_{t-1} + (1 - rho) * delta_t^2               (u_0 = 0)
        theta_t = theta_{t-1} - lr * delta_t

    The state holds ``step``, ``square_avg`` (v) and ``acc_delta`` (u).  The ratio of the two
    root-mean-squares gives the step the units of the parameter, so lr = 1 is the usual choice.

    Args:
        params: Tensors or parameter groups to optimize
        lr: scale of the step (default 1.0)
        rho: decay of the running averages (default 0.9)
        eps: added inside the square roots (default 1e-6)
        weight_decay: L2 penalty (default 0)
        maximize: follow the gradient up instead of down

    >>> import minigrad
    >>> w = minigrad.tensor([1.0], requires_grad=True, dtype=minigrad.float64)
    >>> opt = minigrad.optim.Adadelta([w])
    >>> (w * w).sum().backward()      # g = 2: v = 0.4, delta = sqrt(1e-6 / (0.4 + 1e-6)) * 2
    >>> opt.step()
    >>> round(1.0 - w.item(), 6)
    0.003162
    """

    def __init__(self, params, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, *, maximize: bool = False):
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize}
        super().__init__(params, defaults)

    def _check_group(self, group: dict) -> None:
        if not group["lr"] >= 0:
            raise invalid(self, "learning rate", group["lr"], "it must be >= 0")
        if not 0 <= group["rho"] <= 1:
            raise invalid(self, "rho value", group["rho"], "it must be in [0, 1]")
        if not group["eps"] >= 0:
            raise invalid(self, "epsilon value", group["eps"], "it must be >= 0")
        if not group["weight_decay"] >= 0:
            raise invalid(self, "weight_decay value", group["weight_decay"], "it must be >= 0")

    def _update(self, param, grad, state: dict, group: dict) -> None:
        xp = backend.get_array_module(param)
        rho, eps = group["rho"], group["eps"]
        state["step"] = state.get("step", 0) + 1
        square_avg = self._state_array(state, "square_avg", param)
        acc_delta = self._state_array(state, "acc_delta", param)
        g = self._gradient(param, grad, group["weight_decay"], group["maximize"])
        work = self._work_array(param, 1)
        delta = self._work_array(param, 2)

        # v_t = rho * v_{t-1} + (1 - rho) * g_t^2
        xp.multiply(g, g, out=work)
        work *= 1 - rho
        square_avg *= rho
        square_avg += work
        # delta_t = sqrt(u_{t-1} + eps) / sqrt(v_t + eps) * g_t
        xp.add(square_avg, eps, out=work)
        xp.sqrt(work, out=work)
        xp.add(acc_delta, eps, out=delta)
        xp.sqrt(delta, out=delta)
        delta /= work
        delta *= g
        # u_t = rho * u_{t-1} + (1 - rho) * delta_t^2
        xp.multiply(delta, delta, out=work)
        work *= 1 - rho
        acc_delta *= rho
        acc_delta += work
        # theta_t = theta_{t-1} - lr * delta_t
        delta *= group["lr"]
        param -= delta
