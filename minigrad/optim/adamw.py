"""AdamW: Adam with decoupled weight decay (Loshchilov & Hutter, 2019).

Holds:
    AdamW
"""

from __future__ import annotations

from .adam import Adam

__all__ = ["AdamW"]


class AdamW(Adam):
    r"""AdamW, as ``torch.optim.AdamW``: Adam whose weight decay shrinks the weights directly.

    Update rule, for each parameter theta with gradient grad, at step t = 1, 2, ...::

        g_t = -grad if maximize else grad
        theta_{t-1} = theta_{t-1} - lr * weight_decay * theta_{t-1}      (decoupled decay)
        m_t = beta1 * m_{t-1} + (1 - beta1) * g_t
        v_t = beta2 * v_{t-1} + (1 - beta2) * g_t^2
        m_hat = m_t / (1 - beta1^t)
        v_hat = v_t / (1 - beta2^t)          (amsgrad: max(v_max_{t-1}, v_t) / (1 - beta2^t))
        theta_t = theta_{t-1} - lr * m_hat / (sqrt(v_hat) + eps)

    With L2 regularisation (``Adam(weight_decay=...)``) the decay term passes through the
    division by sqrt(v_hat), so weights with large gradients are barely regularised; here
    every weight shrinks by the same factor (1 - lr * weight_decay) per step.  The state is
    Adam's: ``step``, ``exp_avg``, ``exp_avg_sq`` and, with amsgrad, ``max_exp_avg_sq``.

    Args:
        params: Tensors or parameter groups to optimize
        lr: learning rate (default 1e-3)
        betas: decay rates of the two running averages (default (0.9, 0.999))
        eps: added to the denominator (default 1e-8)
        weight_decay: decoupled weight decay (default 1e-2)
        amsgrad: use the running maximum of v (AMSGrad)
        maximize: follow the gradient up instead of down

    >>> import minigrad
    >>> w = minigrad.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = minigrad.optim.AdamW([w], lr=0.1, weight_decay=0.5)
    >>> w.grad = minigrad.zeros(2)    # no gradient: only the decay acts, w *= 1 - 0.1 * 0.5
    >>> opt.step()
    >>> w
    tensor([ 0.95, -1.90], requires_grad=True)
    """

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad, maximize=maximize, decoupled_weight_decay=True)
