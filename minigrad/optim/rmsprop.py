"""RMSprop: gradient steps divided by a running root-mean-square of the gradient (Hinton's
lecture notes; the centered form is from Graves, 2013).

Holds:
    RMSprop
"""

from __future__ import annotations

from .. import backend
from .optimizer import Optimizer, invalid

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    r"""RMSprop, as ``torch.optim.RMSprop``.

    Update rule, for each parameter theta with gradient grad, at step t = 1, 2, ...::

        g_t = -grad if maximize else grad
        if weight_decay != 0:   g_t = g_t + weight_decay * theta_{t-1}
        v_t = alpha * v_{t-1} + (1 - alpha) * g_t^2                  (v_0 = 0)
        if centered:
            a_t = alpha * a_{t-1} + (1 - alpha) * g_t                  (a_0 = 0)
            d_t = sqrt(v_t - a_t^2) + eps
        else:
            d_t = sqrt(v_t) + eps
        if momentum > 0:
            b_t = momentum * b_{t-1} + g_t / d_t                       (b_0 = 0)
            theta_t = theta_{t-1} - lr * b_t
        else:
            theta_t = theta_{t-1} - lr * g_t / d_t

    The state holds ``step``, ``square_avg`` (v), ``grad_avg`` (a, when centered) and
    ``momentum_buffer`` (b, when momentum > 0).  Centering divides by an estimate of the
    gradient's standard deviation instead of its root-mean-square.

    Args:
        params: Tensors or parameter groups to optimize
        lr: learning rate (default 1e-2)
        alpha: smoothing constant of the running averages (default 0.99)
        eps: added to the denominator (default 1e-8)
        weight_decay: L2 penalty (default 0)
        momentum: momentum factor (default 0)
        centered: divide by the centered second moment (default False)
        maximize: follow the gradient up instead of down

    >>> import minigrad
    >>> w = minigrad.tensor([1.0], requires_grad=True, dtype=minigrad.float64)
    >>> opt = minigrad.optim.RMSprop([w], lr=0.01)
    >>> (w * w).sum().backward()      # g = 2: v = 0.01 * 4, step = 0.01 * 2 / sqrt(0.04) = 0.1
    >>> opt.step()
    >>> round(w.item(), 6)
    0.9
    """

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False, *,
                 maximize: bool = False):
        defaults = {"lr": lr, "alpha": alpha, "eps": eps, "weight_decay": weight_decay,
                    "momentum": momentum, "centered": centered, "maximize": maximize}
        super().__init__(params, defaults)

    def _check_group(self, group: dict) -> None:
        if not group["lr"] >= 0:
            raise invalid(self, "learning rate", group["lr"], "it must be >= 0")
        if not group["eps"] >= 0:
            raise invalid(self, "epsilon value", group["eps"], "it must be >= 0")
        if not group["momentum"] >= 0:
            raise invalid(self, "momentum value", group["momentum"], "it must be >= 0")
        if not group["weight_decay"] >= 0:
            raise invalid(self, "weight_decay value", group["weight_decay"], "it must be >= 0")
        if not group["alpha"] >= 0:
            raise invalid(self, "alpha value", group["alpha"], "it must be >= 0")

    def _update(self, param, grad, state: dict, group: dict) -> None:
        xp = backend.get_array_module(param)
        alpha, momentum = group["alpha"], group["momentum"]
        state["step"] = state.get("step", 0) + 1
        square_avg = self._state_array(state, "square_avg", param)
        g = self._gradient(param, grad, group["weight_decay"], group["maximize"])
        denominator = self._work_array(param, 1)

        # v_t = alpha * v_{t-1} + (1 - alpha) * g_t^2
        xp.multiply(g, g, out=denominator)
        denominator *= 1 - alpha
        square_avg *= alpha
        square_avg += denominator
        if group["centered"]:
            grad_avg = self._state_array(state, "grad_avg", param)
            # a_t = alpha * a_{t-1} + (1 - alpha) * g_t
            xp.multiply(g, 1 - alpha, out=denominator)
            grad_avg *= alpha
            grad_avg += denominator
            # d_t = sqrt(v_t - a_t^2) + eps
            xp.multiply(grad_avg, grad_avg, out=denominator)
            xp.subtract(square_avg, denominator, out=denominator)
            xp.sqrt(denominator, out=denominator)
        else:
            # d_t = sqrt(v_t) + eps
            xp.sqrt(square_avg, out=denominator)
        denominator += group["eps"]

        step = denominator
        if momentum > 0:
            buffer = self._state_array(state, "momentum_buffer", param)
            # b_t = momentum * b_{t-1} + g_t / d_t
            xp.divide(g, denominator, out=step)
            buffer *= momentum
            buffer += step
            # theta_t = theta_{t-1} - lr * b_t
            xp.multiply(buffer, group["lr"], out=step)
        else:
            # theta_t = theta_{t-1} - lr * g_t / d_t
            xp.divide(g, denominator, out=step)
            step *= group["lr"]
        param -= step
