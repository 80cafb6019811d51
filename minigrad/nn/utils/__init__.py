"""nn.utils: helpers used in training loops (``minigrad.nn.utils``, as ``torch.nn.utils``).

    clip_grad.py   clip_grad_norm_, clip_grad_value_, get_total_norm, clip_grads_with_norm_
"""

from .clip_grad import clip_grad_norm_, clip_grad_value_, clip_grads_with_norm_, get_total_norm

__all__ = ["clip_grad_norm_", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_"]
