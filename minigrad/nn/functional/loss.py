"""nn.functional.loss: loss functions with PyTorch's ``F.*`` signatures.

Holds:
    regression       mse_loss, l1_loss, smooth_l1_loss, huber_loss
    classification   cross_entropy, nll_loss, binary_cross_entropy,
                     binary_cross_entropy_with_logits, sigmoid_focal_loss, multi_margin_loss
    distributions    kl_div
    embeddings       hinge_embedding_loss, cosine_embedding_loss

Every loss takes ``reduction``: 'none' (one loss per element or sample), 'mean' (the default)
or 'sum'.  Softmax cross-entropy and the binary cross-entropies are primitives with their own
backward in ``minigrad/ops/loss.py``; the others are compositions of ops, differentiated by
autograd.

Class-index targets (cross_entropy, nll_loss) follow PyTorch's shape rules: input (N, C) with
target (N,), input (N, C, d1, d2, ...) with target (N, d1, d2, ...), or input (C,) with a
0-d target.  cross_entropy also accepts class probabilities: a float target shaped like input.
"""

from __future__ import annotations

import warnings

from ... import ops
from ...ops import loss as loss_ops
from ...ops._util import broadcast_shapes, xp_of
from ...tensor import Tensor

__all__ = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "cross_entropy", "nll_loss",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div",
           "multi_margin_loss", "hinge_embedding_loss", "cosine_embedding_loss",
           "sigmoid_focal_loss"]


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def _reduce(losses: Tensor, reduction: str) -> Tensor:
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    return losses.mean()


def _check_tensors(op: str, **named) -> None:
    for name, value in named.items():
        if not isinstance(value, Tensor):
            raise TypeError(f"{op}: expected {name} to be a Tensor, got {type(value).__name__}")


def _check_same_or_broadcast(x: Tensor, target: Tensor, op: str) -> None:
    """PyTorch's rule for elementwise regression losses: different shapes are broadcast with a
    warning (it is usually a bug, e.g. (N, 1) against (N,)); shapes that do not broadcast are
    a ValueError naming both."""
    if x.shape == target.shape:
        return
    broadcast_shapes(op, x.shape, target.shape)
    warnings.warn(f"{op}: using a target size {tuple(target.shape)} that is different to the "
                  f"input size {tuple(x.shape)}. This will likely lead to incorrect results "
                  "due to broadcasting. Please ensure they have the same size.", UserWarning,
                  stacklevel=3)


def _as_rows(x: Tensor, target: Tensor, op: str):
    """Class-index targets: input (N, C, d1, ...) -> rows (N*d1*..., C), target -> (N*d1*...,).
    Returns (rows, flat target, shape of the unreduced loss)."""
    if x.ndim == 0:
        raise ValueError(f"{op}: input must have a class dimension, got a 0-d tensor")
    if x.ndim == 1:  # one unbatched sample: (C,) with a 0-d target
        if target.ndim != 0:
            raise ValueError(f"{op}: for input of shape {tuple(x.shape)} (one sample) the "
                             f"target must be 0-d, got shape {tuple(target.shape)}")
        return x.reshape(1, x.shape[0]), target.reshape(1), ()
    expected = (x.shape[0],) + tuple(x.shape[2:])
    if tuple(target.shape) != expected:
        raise ValueError(f"{op}: expected target of shape {expected} for input of shape "
                         f"{tuple(x.shape)} (N, C, d1, ...), got {tuple(target.shape)}")
    classes = x.shape[1]
    if x.ndim > 2:
        # move the class dimension last, then every other position becomes a row
        order = (0,) + tuple(range(2, x.ndim)) + (1,)
        x = x.permute(*order)
    return x.reshape(-1, classes), target.reshape(-1), expected


def _weight_shape_for(x: Tensor) -> tuple:
    """Shape that broadcasts a (C,) class weight along dimension 1 of the input."""
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


# ---------------------------------------------------------------------------------------------
# Regression losses
# ---------------------------------------------------------------------------------------------


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:  # noqa: A002
    """Mean squared error: l = (x - y)^2, elementwise, then reduced.

    >>> import minigrad
    >>> mse_loss(minigrad.tensor([1.0, 3.0]), minigrad.tensor([0.0, 0.0]))
    tensor(5.)
    """
    _check_tensors("mse_loss", input=input, target=target)
    loss_ops.check_reduction(reduction, "mse_loss")
    _check_same_or_broadcast(input, target, "mse_loss")
    difference = input - target
    return _reduce(difference * difference, reduction)


def l1_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:  # noqa: A002
    """Mean absolute error: l = |x - y|, elementwise, then reduced."""
    _check_tensors("l1_loss", input=input, target=target)
    loss_ops.check_reduction(reduction, "l1_loss")
    _check_same_or_broadcast(input, target, "l1_loss")
    return _reduce((input - target).abs(), reduction)


def smooth_l1_loss(input: Tensor, target: Tensor, reduction: str = "mean",  # noqa: A002
                   beta: float = 1.0) -> Tensor:
    """l = 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = x - y): quadratic near 0,
    linear far out, so outliers pull less than with MSE.  beta = 0 is the L1 loss."""
    _check_tensors("smooth_l1_loss", input=input, target=target)
    loss_ops.check_reduction(reduction, "smooth_l1_loss")
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    _check_same_or_broadcast(input, target, "smooth_l1_loss")
    difference = input - target
    distance = difference.abs()
    if beta == 0:
        return _reduce(distance, reduction)
    # NOTE: the square is written d * d, not |d| * |d|: both are d^2, but through abs autograd
    # would give a second derivative of 0 instead of 1 / beta at d = 0 (abs' slope there is 0).
    losses = ops.where(distance < beta, difference * difference * (0.5 / beta),
                       distance - 0.5 * beta)
    return _reduce(losses, reduction)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean",  # noqa: A002
               delta: float = 1.0) -> Tensor:
    """l = 0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta) (d = x - y); equals
    delta * smooth_l1_loss with beta = delta."""
    _check_tensors("huber_loss", input=input, target=target)
    loss_ops.check_reduction(reduction, "huber_loss")
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    _check_same_or_broadcast(input, target, "huber_loss")
    difference = input - target
    distance = difference.abs()
    losses = ops.where(distance < delta, difference * difference * 0.5,
                       (distance - 0.5 * delta) * delta)
    return _reduce(losses, reduction)


# ---------------------------------------------------------------------------------------------
# Cross-entropy and negative log-likelihood
# ---------------------------------------------------------------------------------------------


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
                  ignore_index: int = -100, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Softmax cross-entropy between logits and targets: l_i = -log softmax(x_i)[t_i].

    Targets are class indices (int64; see the module docstring for shapes), with optional
    class ``weight`` (C,), ``ignore_index`` and ``label_smoothing`` e (the target becomes
    (1 - e) onehot + e / C); 'mean' divides by the total weight of the counted targets.  Or
    targets are class probabilities: a float tensor shaped like the input, l_i =
    -sum_c w_c p_ic log softmax(x_i)_c, and 'mean' divides by the number of samples.

    >>> import minigrad
    >>> logits = minigrad.tensor([[2.0, 0.0, 0.0]])
    >>> round(cross_entropy(logits, minigrad.tensor([0])).item(), 4)
    0.2395
    """
    _check_tensors("cross_entropy", input=input, target=target)
    loss_ops.check_reduction(reduction, "cross_entropy")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be between 0.0 and 1.0, got "
                         f"{label_smoothing}")
    if target.dtype.kind == "f":
        return _cross_entropy_probabilities(input, target, weight, reduction, label_smoothing)
    rows, flat_target, loss_shape = _as_rows(input, target, "cross_entropy")
    losses = loss_ops.softmax_cross_entropy(rows, flat_target, weight, ignore_index, reduction,
                                            label_smoothing)
    return losses.reshape(loss_shape) if reduction == "none" else losses


def _cross_entropy_probabilities(x: Tensor, target: Tensor, weight,
                                 reduction: str, label_smoothing: float) -> Tensor:
    if x.shape != target.shape:
        raise ValueError(f"cross_entropy: a floating point target holds class probabilities "
                         f"and must have the input's shape {tuple(x.shape)}, got "
                         f"{tuple(target.shape)} (class indices must be an integer tensor)")
    if x.ndim == 0:
        raise ValueError("cross_entropy: input must have a class dimension, got a 0-d tensor")
    unbatched = x.ndim == 1
    if unbatched:
        x, target = x.reshape(1, -1), target.reshape(1, -1)
    classes = x.shape[1]
    if label_smoothing > 0:
        target = target * (1 - label_smoothing) + label_smoothing / classes
    terms = ops.log_softmax(x, 1) * target
    if weight is not None:
        if tuple(weight.shape) != (classes,):
            raise ValueError(f"cross_entropy: weight must have shape ({classes},), got "
                             f"{tuple(weight.shape)}")
        terms = terms * weight.detach().to(x.dtype).reshape(_weight_shape_for(x))
    losses = -terms.sum(1)
    if unbatched:
        losses = losses.reshape(())
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    return losses.sum() / (x.numel() // classes)


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
             ignore_index: int = -100, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood: l_i = -w[t_i] * input[i, t_i], where input holds
    log-probabilities (the output of log_softmax).  Same target shapes and 'mean' rule as
    ``cross_entropy``; ``nll_loss(log_softmax(x, 1), t)`` equals ``cross_entropy(x, t)``."""
    _check_tensors("nll_loss", input=input, target=target)
    loss_ops.check_reduction(reduction, "nll_loss")
    rows, flat_target, loss_shape = _as_rows(input, target, "nll_loss")
    losses = loss_ops.nll(rows, flat_target, weight, ignore_index, reduction)
    return losses.reshape(loss_shape) if reduction == "none" else losses


# ---------------------------------------------------------------------------------------------
# Binary cross-entropy
# ---------------------------------------------------------------------------------------------


def _apply_weight(losses: Tensor, weight: Tensor | None, op: str) -> Tensor:
    if weight is None:
        return losses
    if weight.shape != losses.shape:
        broadcast_shapes(op, weight.shape, losses.shape)
    return losses * weight.detach().to(losses.dtype)


def binary_cross_entropy(input: Tensor, target: Tensor,  # noqa: A002
                         weight: Tensor | None = None, reduction: str = "mean") -> Tensor:
    """l = -w [y log(x) + (1 - y) log(1 - x)] for probabilities x in [0, 1] (each log floored
    at -100, as in PyTorch).  input and target share one shape; ``weight`` broadcasts to it."""
    _check_tensors("binary_cross_entropy", input=input, target=target)
    loss_ops.check_reduction(reduction, "binary_cross_entropy")
    losses = loss_ops.binary_cross_entropy(input, target)
    return _reduce(_apply_weight(losses, weight, "binary_cross_entropy"), reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor,  # noqa: A002
                                     weight: Tensor | None = None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """l = -w [p y log sigmoid(x) + (1 - y) log(1 - sigmoid(x))] from logits x, computed
    stably (no overflow for |x| ~ 1e4).  ``pos_weight`` p weighs positives (one per class,
    broadcast along the last dimension); ``weight`` w broadcasts to the input.

    >>> import minigrad
    >>> binary_cross_entropy_with_logits(minigrad.tensor([1e4, -1e4]),
    ...                                  minigrad.tensor([1.0, 1.0]), reduction="none")
    tensor([    0., 10000.])
    """
    _check_tensors("binary_cross_entropy_with_logits", input=input, target=target)
    loss_ops.check_reduction(reduction, "binary_cross_entropy_with_logits")
    losses = loss_ops.binary_cross_entropy_with_logits(input, target, pos_weight)
    losses = _apply_weight(losses, weight, "binary_cross_entropy_with_logits")
    return _reduce(losses, reduction)


def sigmoid_focal_loss(inputs: Tensor, targets: Tensor, alpha: float = 0.25,
                       gamma: float = 2.0, reduction: str = "none") -> Tensor:
    """Focal loss (Lin et al. 2017, RetinaNet), as in torchvision: the binary cross-entropy on
    logits scaled by (1 - p_t)^gamma, which shrinks the loss of easy examples, and by alpha_t.

    p = sigmoid(x), p_t = p y + (1 - p)(1 - y), alpha_t = alpha y + (1 - alpha)(1 - y),
    l = alpha_t (1 - p_t)^gamma BCE(x, y).  ``alpha < 0`` switches alpha_t off.  Note the
    default reduction is 'none' (torchvision's).
    """
    _check_tensors("sigmoid_focal_loss", inputs=inputs, targets=targets)
    loss_ops.check_reduction(reduction, "sigmoid_focal_loss")
    if gamma < 0:
        raise ValueError(f"sigmoid_focal_loss: gamma must be non-negative, got {gamma}")
    if targets.dtype != inputs.dtype:
        targets = targets.to(inputs.dtype)
    p = ops.sigmoid(inputs)
    ce = loss_ops.binary_cross_entropy_with_logits(inputs, targets)
    p_t = p * targets + (1 - p) * (1 - targets)
    losses = ce * (1 - p_t) ** gamma
    if alpha >= 0:
        alpha_t = targets * alpha + (1 - targets) * (1 - alpha)
        losses = alpha_t * losses
    return _reduce(losses, reduction)


# ---------------------------------------------------------------------------------------------
# KL divergence
# ---------------------------------------------------------------------------------------------


def kl_div(input: Tensor, target: Tensor, reduction: str = "mean",  # noqa: A002
           log_target: bool = False) -> Tensor:
    """Kullback-Leibler divergence KL(target || model), pointwise:
    l = y (log y - x), where input x holds log-probabilities and target y probabilities (0 log 0
    taken as 0); with ``log_target=True`` the target is given as log-probabilities too:
    l = exp(y) (y - x).

    Reductions: 'batchmean' (sum / batch size: the true KL per sample), 'sum', 'none', and
    'mean' (the average over all elements, which is not the KL divergence; PyTorch warns too).
    """
    _check_tensors("kl_div", input=input, target=target)
    loss_ops.check_reduction(reduction, "kl_div", ("none", "batchmean", "mean", "sum"))
    _check_same_or_broadcast(input, target, "kl_div")
    if log_target:
        losses = ops.exp(target) * (target - input)
    else:
        positive = target > 0
        safe = ops.where(positive, target, 1.0)
        losses = ops.where(positive, target * ops.log(safe), 0.0) - target * input
    if reduction == "batchmean":
        batch = input.shape[0] if input.ndim else 1
        return losses.sum() / batch
    if reduction == "mean":
        warnings.warn("kl_div: reduction='mean' divides the total loss by both the batch size "
                      "and the support size; 'batchmean' divides only by the batch size and "
                      "aligns with the KL math definition", UserWarning, stacklevel=2)
    return _reduce(losses, reduction)


# ---------------------------------------------------------------------------------------------
# Margin losses
# ---------------------------------------------------------------------------------------------


def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1,  # noqa: A002
                      margin: float = 1.0, weight: Tensor | None = None,
                      reduction: str = "mean") -> Tensor:
    """Multi-class hinge loss: for sample i with class y,
    l_i = sum_{j != y} w[y] max(0, margin - x[y] + x[j])^p / C.

    Shapes: input (N, C) with target (N,) integer, or (C,) with a 0-d target; p is 1 or 2.
    """
    _check_tensors("multi_margin_loss", input=input, target=target)
    loss_ops.check_reduction(reduction, "multi_margin_loss")
    if p not in (1, 2):
        raise ValueError(f"multi_margin_loss: only p == 1 and p == 2 are supported, got {p}")
    if input.ndim not in (1, 2):
        raise ValueError(f"multi_margin_loss: expected input of shape (N, C) or (C,), got "
                         f"{tuple(input.shape)}")
    rows, flat_target, loss_shape = _as_rows(input, target, "multi_margin_loss")
    xp = xp_of(rows)
    count, classes = rows.shape
    if flat_target.dtype.kind not in "iu":
        raise TypeError(f"multi_margin_loss: expected an integer target, got {target.dtype}")
    target_array = flat_target.data
    if target_array.size and bool(((target_array < 0) | (target_array >= classes)).any()):
        value = int(target_array[(target_array < 0) | (target_array >= classes)][0])
        raise IndexError(f"multi_margin_loss: target {value} is out of bounds for {classes} "
                         "classes")
    target_column = Tensor._from_op(target_array[:, None], None, 0)
    correct = rows.gather(1, target_column)  # x[y], shape (N, 1)
    hinge = ops.relu(rows - correct + margin)
    if p == 2:
        hinge = hinge * hinge
    others = (xp.arange(classes)[None, :] != target_array[:, None]).astype(rows.dtype)
    hinge = hinge * Tensor._from_op(others, None, 0)  # the j = y term is not counted
    if weight is not None:
        if tuple(weight.shape) != (classes,):
            raise ValueError(f"multi_margin_loss: weight must have shape ({classes},), got "
                             f"{tuple(weight.shape)}")
        sample_weight = weight.data.astype(rows.dtype)[target_array][:, None]
        hinge = hinge * Tensor._from_op(sample_weight, None, 0)
    losses = hinge.sum(1) / classes
    return _reduce(losses.reshape(loss_shape), reduction)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0,  # noqa: A002
                         reduction: str = "mean") -> Tensor:
    """l = x where y = 1 and max(0, margin - x) where y = -1 (x is typically a distance
    between two embeddings, y says whether they should be similar)."""
    _check_tensors("hinge_embedding_loss", input=input, target=target)
    loss_ops.check_reduction(reduction, "hinge_embedding_loss")
    _check_same_or_broadcast(input, target, "hinge_embedding_loss")
    below_margin = ops.relu(margin - input)
    losses = ops.where(target != 1, below_margin, 0.0) + ops.where(target != -1, input, 0.0)
    return _reduce(losses, reduction)


# Added to both squared norms in cosine_embedding_loss so that a zero vector gives cos = 0.
_COSINE_EPSILON = 1e-12


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                          reduction: str = "mean") -> Tensor:
    """l = 1 - cos(x1, x2) where y = 1 and max(0, cos(x1, x2) - margin) where y = -1.

    Shapes: input1, input2 (N, D) with target (N,), or (D,) with a 0-d target.
    """
    _check_tensors("cosine_embedding_loss", input1=input1, input2=input2, target=target)
    loss_ops.check_reduction(reduction, "cosine_embedding_loss")
    if input1.shape != input2.shape or input1.ndim not in (1, 2):
        raise ValueError(f"cosine_embedding_loss: expected input1 and input2 of the same shape "
                         f"(N, D) or (D,), got {tuple(input1.shape)} and {tuple(input2.shape)}")
    if tuple(target.shape) != tuple(input1.shape[:-1]):
        raise ValueError(f"cosine_embedding_loss: expected target of shape "
                         f"{tuple(input1.shape[:-1])}, got {tuple(target.shape)}")
    dot = (input1 * input2).sum(-1)
    squared_norm1 = (input1 * input1).sum(-1) + _COSINE_EPSILON
    squared_norm2 = (input2 * input2).sum(-1) + _COSINE_EPSILON
    cosine = dot / (squared_norm1 * squared_norm2).sqrt()
    losses = ops.where(target == 1, 1 - cosine, 0.0) + \
        ops.where(target == -1, ops.relu(cosine - margin), 0.0)
    return _reduce(losses, reduction)
