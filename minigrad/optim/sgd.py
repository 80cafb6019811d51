"""Stochastic gradient descent, with momentum, dampening, Nesterov momentum and weight decay.

Holds:
    SGD
"""

from __future__ import annotations

from .. import backend, cuda_kernels
from ..tensor import Tensor
from .optimizer import Optimizer, invalid

__all__ = ["SGD"]


class SGD(Optimizer):
    r"""Stochastic gradient descent (optionally with momentum), as ``torch.optim.SGD``.

    Update rule, for each parameter theta with gradient grad, at step t = 1, 2, ...::

        g_t = -grad if maximize else grad
        if weight_decay != 0:   g_t = g_t + weight_decay * theta_{t-1}
        if momentum != 0:
            if t > 1:           b_t = momentum * b_{t-1} + (1 - dampening) * g_t
            else:               b_t = g_t
            if nesterov:        g_t = g_t + momentum * b_t
            else:               g_t = b_t
        theta_t = theta_{t-1} - lr * g_t

    With momentum the state holds ``momentum_buffer`` (b).  Weight decay here is L2
    regularisation added to the gradient; without momentum that is the same as shrinking the
    weights directly (theta <- theta - lr * weight_decay * theta), unlike for Adam (see AdamW).

    Args:
        params: Tensors or parameter groups to optimize
        lr: learning rate (default 1e-3)
        momentum: momentum factor (default 0)
        dampening: dampening of the gradient added to the momentum buffer (default 0)
        weight_decay: L2 penalty (default 0)
        nesterov: Nesterov momentum (needs momentum > 0 and dampening = 0)
        maximize: follow the gradient up instead of down

    >>> import minigrad
    >>> w = minigrad.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = minigrad.optim.SGD([w], lr=0.1)
    >>> (w * w).sum().backward()      # gradient 2w = [2, -4]
    >>> opt.step()
    >>> w
    tensor([ 0.8, -1.6], requires_grad=True)
    """

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False):
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize}
        super().__init__(params, defaults)

    def _check_group(self, group: dict) -> None:
        if not group["lr"] >= 0:
            raise invalid(self, "learning rate", group["lr"], "it must be >= 0")
        if not group["momentum"] >= 0:
            raise invalid(self, "momentum value", group["momentum"], "it must be >= 0")
        if not group["weight_decay"] >= 0:
            raise invalid(self, "weight_decay value", group["weight_decay"], "it must be >= 0")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("SGD: Nesterov momentum requires a momentum and zero dampening")

    def _update(self, param, grad, state: dict, group: dict) -> None:
        xp = backend.get_array_module(param)
        lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
        if cuda_kernels.runs_on(param, grad) and param.flags.c_contiguous:
            # GPU: the whole update, momentum buffer included, in one kernel (kernels/sgd.cu)
            first_step = momentum != 0 and "momentum_buffer" not in state
            if first_step:
                state["momentum_buffer"] = Tensor(xp.empty_like(param))
            buffer = state["momentum_buffer"].data if momentum != 0 else None
            cuda_kernels.sgd_step(param, grad, buffer, lr, momentum, dampening,
                                  group["weight_decay"], group["nesterov"], group["maximize"],
                                  first_step)
            return
        g = self._gradient(param, grad, group["weight_decay"], group["maximize"])

        if momentum != 0:
            if "momentum_buffer" not in state:
                # b_1 = g_1
                state["momentum_buffer"] = Tensor(g.copy())
                buffer = state["momentum_buffer"].data
            else:
                # b_t = momentum * b_{t-1} + (1 - dampening) * g_t
                buffer = state["momentum_buffer"].data
                buffer *= momentum
                if dampening == 0:
                    buffer += g
                else:
                    scaled = self._work_array(param, 1)
                    xp.multiply(g, 1 - dampening, out=scaled)
                    buffer += scaled
            if group["nesterov"]:
                # g_t = g_t + momentum * b_t
                look_ahead = self._work_array(param, 1)
                xp.multiply(buffer, momentum, out=look_ahead)
                look_ahead += g
                g = look_ahead
            else:
                g = buffer

        # theta_t = theta_{t-1} - lr * g_t
        step = self._work_array(param, 1)
        xp.multiply(g, lr, out=step)
        param -= step
