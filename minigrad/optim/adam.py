"""Adam: bias-corrected running averages of the gradient and of its square (Kingma & Ba, 2015),
with the AMSGrad variant (Reddi et al., 2018).

Holds:
    Adam
"""

from __future__ import annotations

import math

from .. import backend, cuda_kernels
from .optimizer import Optimizer, invalid

__all__ = ["Adam"]


class Adam(Optimizer):
    r"""Adam, as ``torch.optim.Adam``.

    Update rule, for each parameter theta with gradient grad, at step t = 1, 2, ...::

        g_t = -grad if maximize else grad
        if weight_decay != 0:
            if decoupled_weight_decay:  theta_{t-1} = theta_{t-1} - lr * weight_decay * theta_{t-1}
            else:                       g_t = g_t + weight_decay * theta_{t-1}
        m_t = beta1 * m_{t-1} + (1 - beta1) * g_t                    (m_0 = 0)
        v_t = beta2 * v_{t-1} + (1 - beta2) * g_t^2                  (v_0 = 0)
        m_hat = m_t / (1 - beta1^t)
        if amsgrad:
            v_max_t = max(v_max_{t-1}, v_t)                            (v_max_0 = 0)
            v_hat = v_max_t / (1 - beta2^t)
        else:
            v_hat = v_t / (1 - beta2^t)
        theta_t = theta_{t-1} - lr * m_hat / (sqrt(v_hat) + eps)

    The state holds ``step`` (t), ``exp_avg`` (m), ``exp_avg_sq`` (v) and, with amsgrad,
    ``max_exp_avg_sq`` (v_max).  The code evaluates the last line as PyTorch does:
    ``theta -= lr / (1 - beta1^t) * m_t / (sqrt(v) / sqrt(1 - beta2^t) + eps)``.

    Weight decay is L2 regularisation added to the gradient, which Adam then rescales per
    coordinate; ``decoupled_weight_decay=True`` shrinks the weights directly instead, which is
    AdamW (use ``AdamW``, whose default weight_decay is 1e-2).

    Args:
        params: Tensors or parameter groups to optimize
        lr: learning rate (default 1e-3)
        betas: decay rates (beta1, beta2) of the two running averages (default (0.9, 0.999))
        eps: added to the denominator (default 1e-8)
        weight_decay: L2 penalty (default 0)
        amsgrad: use the running maximum of v (AMSGrad)
        maximize: follow the gradient up instead of down
        decoupled_weight_decay: AdamW's weight decay instead of L2

    >>> import minigrad
    >>> w = minigrad.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = minigrad.optim.Adam([w], lr=0.1)
    >>> (w * w).sum().backward()      # the first step moves each coordinate by ~lr
    >>> opt.step()
    >>> w
    tensor([ 0.9, -1.9], requires_grad=True)
    """

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, amsgrad: bool = False, *,
                 maximize: bool = False, decoupled_weight_decay: bool = False):
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                    "amsgrad": amsgrad, "maximize": maximize,
                    "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)

    def _check_group(self, group: dict) -> None:
        if not group["lr"] >= 0:
            raise invalid(self, "learning rate", group["lr"], "it must be >= 0")
        if not group["eps"] >= 0:
            raise invalid(self, "epsilon value", group["eps"], "it must be >= 0")
        betas = group["betas"]
        if len(betas) != 2:
            raise invalid(self, "betas", betas, "expected a pair (beta1, beta2)")
        for index, beta in enumerate(betas):
            if not 0 <= beta < 1:
                raise invalid(self, f"beta parameter at index {index}", beta,
                              "it must be in [0, 1)")
        if not group["weight_decay"] >= 0:
            raise invalid(self, "weight_decay value", group["weight_decay"], "it must be >= 0")

    def _update(self, param, grad, state: dict, group: dict) -> None:
        xp = backend.get_array_module(param)
        lr, eps, weight_decay = group["lr"], group["eps"], group["weight_decay"]
        beta1, beta2 = group["betas"]
        state["step"] = step = state.get("step", 0) + 1
        exp_avg = self._state_array(state, "exp_avg", param)
        exp_avg_sq = self._state_array(state, "exp_avg_sq", param)
        if cuda_kernels.runs_on(param, grad) and param.flags.c_contiguous:
            # GPU: the whole update in one kernel, every array read once (kernels/adam.cu)
            max_exp_avg_sq = self._state_array(state, "max_exp_avg_sq", param) \
                if group["amsgrad"] else None
            cuda_kernels.adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step, lr,
                                   (beta1, beta2), eps, weight_decay, group["amsgrad"],
                                   group["maximize"], group["decoupled_weight_decay"])
            return

        if group["decoupled_weight_decay"]:
            # theta_{t-1} = theta_{t-1} - lr * weight_decay * theta_{t-1}
            param *= 1 - lr * weight_decay
            g = self._gradient(param, grad, 0, group["maximize"])
        else:
            g = self._gradient(param, grad, weight_decay, group["maximize"])
        work = self._work_array(param, 1)

        # m_t = beta1 * m_{t-1} + (1 - beta1) * g_t
        xp.multiply(g, 1 - beta1, out=work)
        exp_avg *= beta1
        exp_avg += work
        # v_t = beta2 * v_{t-1} + (1 - beta2) * g_t^2
        xp.multiply(g, g, out=work)
        work *= 1 - beta2
        exp_avg_sq *= beta2
        exp_avg_sq += work
        second_moment = exp_avg_sq
        if group["amsgrad"]:
            # v_max_t = max(v_max_{t-1}, v_t)
            second_moment = self._state_array(state, "max_exp_avg_sq", param)
            xp.maximum(second_moment, exp_avg_sq, out=second_moment)

        # denominator = sqrt(v_t) / sqrt(1 - beta2^t) + eps  (= sqrt(v_hat) + eps)
        denominator = work
        xp.sqrt(second_moment, out=denominator)
        denominator /= math.sqrt(1 - beta2 ** step)
        denominator += eps
        # theta_t = theta_{t-1} - lr / (1 - beta1^t) * m_t / denominator
        xp.divide(exp_avg, denominator, out=work)
        work *= lr / (1 - beta1 ** step)
        param -= work
