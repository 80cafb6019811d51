"""nn.functional.linear: the affine map of a fully connected layer.

Holds: linear(x, weight, bias) = x @ weight^T + bias.
"""

from __future__ import annotations

from ...ops.linalg import matmul
from ...tensor import Tensor

__all__ = ["linear"]


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x W^T + b.

    Shapes: x (*, in_features), weight (out_features, in_features), bias (out_features,)
    -> y (*, out_features).  Composed of matmul, transpose and add, so autograd derives the
    backward (dy/dx = W, dy/dW = x, dy/db = 1) and it is differentiable any number of times.

    >>> import minigrad
    >>> x = minigrad.ones(2, 3)
    >>> w = minigrad.ones(4, 3)
    >>> linear(x, w, minigrad.zeros(4)).shape
    (2, 4)
    """
    if not isinstance(x, Tensor):
        raise TypeError(f"Linear: expected the input to be a Tensor, got {type(x).__name__}")
    if weight.ndim != 2:
        raise ValueError(f"Linear: weight must be 2-D (out_features, in_features), got shape "
                         f"{tuple(weight.shape)}")
    in_features = weight.shape[1]
    if x.ndim == 0 or x.shape[-1] != in_features:
        raise ValueError(f"Linear: expected input of shape (*, {in_features}) to match weight "
                         f"of shape {tuple(weight.shape)}, got input of shape {tuple(x.shape)}")
    if x.dtype != weight.dtype:
        raise TypeError(f"Linear: input dtype {x.dtype} does not match weight dtype "
                        f"{weight.dtype}; convert one with .to(dtype)")
    if bias is not None and tuple(bias.shape) != (weight.shape[0],):
        raise ValueError(f"Linear: bias must have shape ({weight.shape[0]},), got "
                         f"{tuple(bias.shape)}")
    y = matmul(x, weight.mT)
    if bias is not None:
        y = y + bias
    return y
