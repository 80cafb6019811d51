"""Loss primitives: the fused softmax cross-entropy, its composite twin, and the elementwise
binary cross-entropies.

Holds:
    SoftmaxCrossEntropy, softmax_cross_entropy   -- fused: log-sum-exp forward and the
                                                    hand-derived backward (softmax - target) / N
    nll, softmax_cross_entropy_simple            -- the composite twin: log_softmax, then pick
                                                    the target's log-probability with gather
                                                    (autograd derives its backward)
    BinaryCrossEntropy, binary_cross_entropy     -- -[t log x + (1 - t) log(1 - x)], elementwise
    BinaryCrossEntropyWithLogits, binary_cross_entropy_with_logits
                                                 -- the same on logits, stable for |x| ~ 1e4

The two softmax cross-entropies compute the same numbers (the tests prove it, values and
gradients); the fused one is the default behind ``F.cross_entropy`` because it never builds
the (N, C) graph of log_softmax/gather/mean.

Softmax cross-entropy with class weights w, label smoothing e and ignored targets: for row i
with target t_i, the "target distribution" is

    q_i = v_i * ((1 - e) * w[t_i] * onehot(t_i) + (e / C) * w)     (v_i = 0 if t_i is ignored)

and the loss is  l_i = -sum_c q_ic * log softmax(x_i)_c.  Its gradient is

    dl_i/dx_i = (sum_c q_ic) * softmax(x_i) - q_i

which for plain targets (w = 1, e = 0) is the familiar softmax(x_i) - onehot(t_i).  'mean'
divides the sum of l_i by sum_i v_i w[t_i] (the number of counted targets when w = 1), exactly
like PyTorch.

This module is imported by ``minigrad.nn.functional.loss`` (it is not star-imported into
``minigrad.ops``).
"""

from __future__ import annotations

import numpy as np

from .. import backend, cuda_kernels
from ..autograd import Function, is_grad_enabled
from ..tensor import Tensor
from ._util import quiet, xp_of

__all__ = ["SoftmaxCrossEntropy", "softmax_cross_entropy", "nll", "softmax_cross_entropy_simple",
           "BinaryCrossEntropy", "binary_cross_entropy", "BinaryCrossEntropyWithLogits",
           "binary_cross_entropy_with_logits", "REDUCTIONS"]

REDUCTIONS = ("none", "mean", "sum")


def _constant(array) -> Tensor:
    """An array wrapped as a Tensor that takes no part in autograd."""
    return Tensor._from_op(array, None, 0)


def check_reduction(reduction: str, op: str, allowed=REDUCTIONS) -> None:
    if reduction not in allowed:
        raise ValueError(f"{op}: reduction must be one of {', '.join(map(repr, allowed))}, got "
                         f"{reduction!r}")


def _check_class_targets(logits: Tensor, target: Tensor, ignore_index: int, op: str) -> None:
    """Shapes (M, C) and (M,), an integer target, every value in [0, C) or ignore_index."""
    if logits.ndim != 2:
        raise ValueError(f"{op}: expected logits of shape (N, C), got {tuple(logits.shape)}")
    if not isinstance(target, Tensor) or target.dtype.kind not in "iu":
        kind = target.dtype if isinstance(target, Tensor) else type(target).__name__
        raise TypeError(f"{op}: expected class-index targets of an integer dtype (int64), got "
                        f"{kind}")
    if target.shape != logits.shape[:1]:
        raise ValueError(f"{op}: expected target of shape {logits.shape[:1]} for input of shape "
                         f"{tuple(logits.shape)}, got {tuple(target.shape)}")
    classes = logits.shape[1]
    values = target.data
    bad = ((values < 0) | (values >= classes)) & (values != ignore_index)
    if values.size and bool(bad.any()):
        value = int(values[bad].ravel()[0])
        raise IndexError(f"{op}: target {value} is out of bounds for {classes} classes (valid "
                         f"targets are 0 to {classes - 1}, or ignore_index={ignore_index})")


def _class_weight_array(weight: Tensor | None, logits: Tensor, op: str):
    """The class weights as an array of the logits' dtype (None when not given)."""
    if weight is None:
        return None
    classes = logits.shape[1]
    if tuple(weight.shape) != (classes,):
        raise ValueError(f"{op}: weight must have shape ({classes},) (one weight per class), "
                         f"got {tuple(weight.shape)}")
    return backend.to_device(weight.data, logits.device).astype(logits.dtype, copy=False)


# ---------------------------------------------------------------------------------------------
# Fused softmax cross-entropy
# ---------------------------------------------------------------------------------------------


class SoftmaxCrossEntropy(Function):
    def __init__(self, target, weight, ignore_index: int, reduction: str,
                 label_smoothing: float):
        self.target = target  # (M,) integer array
        self.weight = weight  # (C,) array or None
        self.ignore_index = ignore_index
        self.reduction = reduction
        self.label_smoothing = label_smoothing

    def _target_weights(self, xp, dtype):
        """valid (M,) 0/1, the safe targets (M,) and w[t_i] * valid_i (M,)."""
        valid = self.target != self.ignore_index
        safe_target = xp.where(valid, self.target, 0)
        valid = valid.astype(dtype)
        target_weight = valid if self.weight is None else self.weight[safe_target] * valid
        return valid, safe_target, target_weight

    def forward(self, x):
        xp = xp_of(x)
        if cuda_kernels.runs_on(x):  # GPU: one thread per row (kernels/softmax_cross_entropy.cu)
            losses, self.probs, target_weight = cuda_kernels.softmax_cross_entropy_forward(
                x, self.target, self.weight, self.ignore_index, self.label_smoothing)
            self.denominator = target_weight.sum()
            return self._reduce(xp, losses)
        rows = x.shape[0]
        # log softmax by log-sum-exp: shift by the row max so exp never overflows
        shifted = x - x.max(axis=1, keepdims=True)
        exps = xp.exp(shifted)
        sums = exps.sum(axis=1, keepdims=True)
        log_probs = shifted - xp.log(sums)
        self.probs = exps / sums

        valid, safe_target, target_weight = self._target_weights(xp, x.dtype)
        picked = log_probs[xp.arange(rows), safe_target]
        losses = -picked * target_weight
        e = self.label_smoothing
        if e > 0:
            class_weight = 1.0 if self.weight is None else self.weight
            smooth = -(log_probs * class_weight).sum(axis=1) * valid
            losses = (1 - e) * losses + (e / x.shape[1]) * smooth
        losses = losses.astype(x.dtype, copy=False)
        self.denominator = target_weight.sum()
        return self._reduce(xp, losses)

    def _reduce(self, xp, losses):
        """The per-row losses reduced as ``self.reduction`` says."""
        if self.reduction == "none":
            return losses
        if self.reduction == "sum":
            return losses.sum()
        with quiet(xp):  # every target ignored: 0 / 0 = nan, as in PyTorch
            return losses.sum() / self.denominator

    # dl_i/dx_i = (sum_c q_ic) * softmax(x_i) - q_i   (q: the target distribution above)
    def backward(self, grad):
        from .softmax import softmax

        (x,) = self.inputs
        xp = xp_of(x)
        rows, classes = x.shape
        if cuda_kernels.runs_on(self.probs) and not is_grad_enabled():
            # GPU, ordinary backward: one thread per row (kernels/softmax_cross_entropy.cu)
            scale = grad.data
            if self.reduction == "mean":
                scale = scale / xp.asarray(self.denominator, dtype=x.dtype)
            return _constant(cuda_kernels.softmax_cross_entropy_backward(
                self.probs, self.target, self.weight, self.ignore_index, self.label_smoothing,
                scale))
        valid, safe_target, target_weight = self._target_weights(xp, x.dtype)
        e = self.label_smoothing
        q = xp.zeros((rows, classes), dtype=x.dtype)
        q[xp.arange(rows), safe_target] = (1 - e) * target_weight
        if e > 0:
            class_weight = xp.ones(classes, dtype=x.dtype) if self.weight is None \
                else self.weight
            q += (e / classes) * class_weight[None, :] * valid[:, None]
        q_sum = q.sum(axis=1, keepdims=True)
        # NOTE: in an ordinary backward the softmax saved by forward is a constant; only when
        # the backward itself is recorded (create_graph=True) must it be recomputed as an op of
        # x, so that the second derivative sees how softmax(x) depends on x.
        probs = softmax(x, 1) if is_grad_enabled() else _constant(self.probs)
        grad_x = probs * _constant(q_sum) - _constant(q)
        if self.reduction == "none":
            return grad_x * grad.reshape(rows, 1)
        if self.reduction == "mean":
            grad = grad / _constant(xp.asarray(self.denominator, dtype=x.dtype))
        return grad_x * grad


def softmax_cross_entropy(logits: Tensor, target: Tensor, weight: Tensor | None = None,
                          ignore_index: int = -100, reduction: str = "mean",
                          label_smoothing: float = 0.0) -> Tensor:
    """Fused cross-entropy of softmax(logits) against class indices.

    l_i = -sum_c q_ic log softmax(x_i)_c with q_i = onehot(t_i) in the plain case (see the
    module docstring for weights, label smoothing and ignore_index).

    Shapes: logits (N, C) float, target (N,) integer -> (N,) for reduction='none', else a
    scalar.  'mean' divides by the total weight of the counted targets.

    >>> import minigrad
    >>> logits = minigrad.zeros(2, 4)
    >>> round(softmax_cross_entropy(logits, minigrad.tensor([1, 3])).item(), 6)  # log(4)
    1.386294
    """
    check_reduction(reduction, "cross_entropy")
    _check_class_targets(logits, target, ignore_index, "cross_entropy")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be between 0.0 and 1.0, got "
                         f"{label_smoothing}")
    weight_array = _class_weight_array(weight, logits, "cross_entropy")
    target_array = backend.to_device(target.data, logits.device)
    function = SoftmaxCrossEntropy(target_array, weight_array, ignore_index, reduction,
                                   float(label_smoothing))
    return function(logits)


# ---------------------------------------------------------------------------------------------
# The composite twin: log_softmax + gather
# ---------------------------------------------------------------------------------------------


def nll(log_probs: Tensor, target: Tensor, weight: Tensor | None = None,
        ignore_index: int = -100, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of class indices, built from ops: l_i = -w[t_i] log_probs[i, t_i].

    Shapes: log_probs (N, C), target (N,) integer -> (N,) or a scalar.  'mean' divides by
    sum_i w[t_i] over the targets that are not ``ignore_index``.
    """
    check_reduction(reduction, "nll_loss")
    _check_class_targets(log_probs, target, ignore_index, "nll_loss")
    xp = xp_of(log_probs)
    target_array = backend.to_device(target.data, log_probs.device)
    valid = target_array != ignore_index
    safe_target = xp.where(valid, target_array, 0)
    target_weight = valid.astype(log_probs.dtype)
    weight_array = _class_weight_array(weight, log_probs, "nll_loss")
    if weight_array is not None:
        target_weight = weight_array[safe_target] * target_weight
    picked = log_probs.gather(1, _constant(safe_target[:, None])).reshape(-1)
    losses = -picked * _constant(target_weight)
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    return losses.sum() / _constant(target_weight.sum())


def softmax_cross_entropy_simple(logits: Tensor, target: Tensor, weight: Tensor | None = None,
                                 ignore_index: int = -100, reduction: str = "mean",
                                 label_smoothing: float = 0.0) -> Tensor:
    """The same loss as ``softmax_cross_entropy``, composed of primitive ops so autograd derives
    the backward: nll(log_softmax(x)), plus e/C times the smoothing term
    -sum_c w_c log softmax(x_i)_c.  Kept for reading and as the fused op's reference."""
    from .softmax import log_softmax

    check_reduction(reduction, "cross_entropy")
    log_probs = log_softmax(logits, 1)
    losses = nll(log_probs, target, weight, ignore_index, "none")
    e = label_smoothing
    xp = xp_of(logits)
    target_array = backend.to_device(target.data, logits.device)
    valid = (target_array != ignore_index).astype(logits.dtype)
    weight_array = _class_weight_array(weight, logits, "cross_entropy")
    if e > 0:
        weighted = log_probs if weight_array is None else log_probs * _constant(weight_array)
        smooth = -weighted.sum(1) * _constant(valid)
        losses = losses * (1 - e) + smooth * (e / logits.shape[1])
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    counted = valid if weight_array is None else \
        weight_array[xp.where(target_array != ignore_index, target_array, 0)] * valid
    return losses.sum() / _constant(counted.sum())


# ---------------------------------------------------------------------------------------------
# Binary cross-entropy on probabilities
# ---------------------------------------------------------------------------------------------

# The smallest value x * (1 - x) may take in the BCE gradient (PyTorch's EPSILON), and the
# floor of log(x) in its value: a probability of exactly 0 or 1 gives a large, finite loss.
_BCE_EPSILON = 1e-12
_LOG_FLOOR = -100.0


class BinaryCrossEntropy(Function):
    def forward(self, x, t):
        xp = xp_of(x)
        with quiet(xp):
            log_x = xp.maximum(xp.log(x), _LOG_FLOOR)
            log_1mx = xp.maximum(xp.log1p(-x), _LOG_FLOOR)
        return -(t * log_x + (1 - t) * log_1mx)

    # dl/dx = (x - t) / (x (1 - x)),  dl/dt = log(1 - x) - log(x)
    def backward(self, grad):
        x, t = self.inputs
        grad_x = grad_t = None
        if self.needs_input_grad[0]:
            grad_x = grad * (x - t) / (x * (1 - x)).clamp(_BCE_EPSILON, None)
        if self.needs_input_grad[1]:
            log_x = x.log().clamp(_LOG_FLOOR, None)
            log_1mx = (1 - x).log().clamp(_LOG_FLOOR, None)
            grad_t = grad * (log_1mx - log_x)
        return grad_x, grad_t


def binary_cross_entropy(x: Tensor, target: Tensor) -> Tensor:
    """Elementwise l = -[t log(x) + (1 - t) log(1 - x)], with each log floored at -100 (as in
    PyTorch) so x = 0 or 1 gives a finite loss.  x: probabilities in [0, 1], target the same
    shape -> the same shape (unreduced)."""
    if x.shape != target.shape:
        raise ValueError(f"binary_cross_entropy: target of shape {tuple(target.shape)} must have "
                         f"the same shape as the input {tuple(x.shape)}")
    values = x.data
    if values.size and bool(((values < 0) | (values > 1)).any()):
        raise ValueError("binary_cross_entropy: all elements of input should be between 0 and "
                         "1 (did you mean binary_cross_entropy_with_logits?)")
    if target.dtype != x.dtype:
        target = target.to(x.dtype)
    return BinaryCrossEntropy()(x, target)


# ---------------------------------------------------------------------------------------------
# Binary cross-entropy on logits
# ---------------------------------------------------------------------------------------------


class BinaryCrossEntropyWithLogits(Function):
    def __init__(self, pos_weight):
        self.pos_weight = pos_weight  # array broadcastable to x, or None

    def forward(self, x, t):
        # l = -[p t log s(x) + (1 - t) log(1 - s(x))], s = sigmoid, p = pos_weight.  With
        # log s(x) = -softplus(-x) and softplus(-x) = max(-x, 0) + log(1 + exp(-|x|)) nothing
        # overflows, even for |x| = 1e4.
        xp = xp_of(x)
        softplus_neg = xp.maximum(-x, 0) + xp.log1p(xp.exp(-xp.abs(x)))
        if self.pos_weight is None:
            return (1 - t) * x + softplus_neg
        log_weight = (self.pos_weight - 1) * t + 1
        return (1 - t) * x + log_weight * softplus_neg

    # dl/dx = s(x) (p t + 1 - t) - p t,  dl/dt = (1 - p) log s(x) - x
    def backward(self, grad):
        from .unary import sigmoid, softplus

        x, t = self.inputs
        grad_x = grad_t = None
        if self.pos_weight is None:
            if self.needs_input_grad[0]:
                grad_x = grad * (sigmoid(x) - t)
            if self.needs_input_grad[1]:
                grad_t = grad * -x
            return grad_x, grad_t
        p = _constant(self.pos_weight)
        if self.needs_input_grad[0]:
            grad_x = grad * (sigmoid(x) * ((p - 1) * t + 1) - p * t)
        if self.needs_input_grad[1]:
            grad_t = grad * ((1 - p) * -softplus(-x) - x)
        return grad_x, grad_t


def binary_cross_entropy_with_logits(x: Tensor, target: Tensor,
                                     pos_weight: Tensor | None = None) -> Tensor:
    """Elementwise l = -[p t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))], computed stably from
    the logits x.  ``pos_weight`` p (broadcast against x, typically one per class on the last
    dimension) weighs the positive term.  x and target share one shape -> that shape."""
    if x.shape != target.shape:
        raise ValueError(f"binary_cross_entropy_with_logits: target size {tuple(target.shape)} "
                         f"must be the same as input size {tuple(x.shape)}")
    if target.dtype != x.dtype:
        target = target.to(x.dtype)
    pos_array = None
    if pos_weight is not None:
        try:
            combined = np.broadcast_shapes(tuple(pos_weight.shape), tuple(x.shape))
        except ValueError:
            combined = None
        if combined != tuple(x.shape):
            raise ValueError(f"binary_cross_entropy_with_logits: pos_weight of shape "
                             f"{tuple(pos_weight.shape)} does not broadcast to the input shape "
                             f"{tuple(x.shape)}")
        pos_array = backend.to_device(pos_weight.data, x.device).astype(x.dtype, copy=False)
    return BinaryCrossEntropyWithLogits(pos_array)(x, target)
