"""Autograd: the Function template, graph recording, the backward engine and grad modes.

Holds:
    no_grad, enable_grad, set_grad_enabled, is_grad_enabled -- grad modes (contexts and decorators)
    detect_anomaly, set_detect_anomaly                      -- NaN/Inf hunting that names the op
    Function                                                -- one subclass per differentiable op
    backward(tensors, grad_tensors, ...)                    -- what Tensor.backward calls
    grad(outputs, inputs, ...)                              -- gradients returned, .grad untouched

How a graph is made and walked:

    y = x * w                   Tensor.__mul__ -> ops.mul -> Mul()(x, w) -> Function.__call__
                                __call__ runs Mul.forward on the arrays and wraps the result in a
                                Tensor whose ``creator`` is the Mul instance.  The Mul keeps its
                                inputs (strongly) and its outputs (weakly).
    y.sum().backward()          the engine walks creators from the loss back to the leaves, in an
                                order where every Function runs after all the Functions that use
                                its outputs, calls each ``backward`` with the gradients of its
                                outputs, and hands the results to the inputs' creators -- or adds
                                them into ``.grad`` when an input is a leaf.
"""

from __future__ import annotations

import functools
import os
import traceback
import weakref

import numpy as np

from . import backend

__all__ = [
    "Function",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "is_grad_enabled",
    "detect_anomaly",
    "set_detect_anomaly",
    "is_anomaly_enabled",
    "backward",
    "grad",
]


# ---------------------------------------------------------------------------------------------
# Grad modes
# ---------------------------------------------------------------------------------------------


class _State:
    """Process-wide switches, read on every op (a class attribute is the cheapest global)."""

    grad_enabled = True
    anomaly_enabled = False


def is_grad_enabled() -> bool:
    """True when new ops are being recorded for backward."""
    return _State.grad_enabled


class set_grad_enabled:
    """Turn graph recording on or off: a call, a context manager and a decorator.

    >>> import minigrad
    >>> x = minigrad.ones(2, requires_grad=True)
    >>> with minigrad.set_grad_enabled(False):
    ...     y = x * 2
    >>> y.requires_grad
    False
    """

    def __init__(self, mode: bool):
        self.mode = bool(mode)
        self.previous = _State.grad_enabled
        _State.grad_enabled = self.mode

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        _State.grad_enabled = self.previous
        return False

    def __call__(self, function):
        # Used as a decorator: the constructor already switched the mode, so switch it back and
        # apply the mode only while the decorated function runs.
        _State.grad_enabled = self.previous
        mode = self.mode

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return function(*args, **kwargs)

        return wrapper


class _GradModeContext:
    """Base of no_grad/enable_grad: a context manager that is also a decorator."""

    mode = True

    def __enter__(self):
        self.previous = _State.grad_enabled
        _State.grad_enabled = self.mode
        return self

    def __exit__(self, *exc_info):
        _State.grad_enabled = self.previous
        return False

    def __call__(self, function):
        mode = self.mode

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return function(*args, **kwargs)

        return wrapper


class no_grad(_GradModeContext):
    """Ops run inside ``with no_grad():`` (or in a function decorated ``@no_grad()``) record no
    graph: their results do not require grad.  Used for evaluation and optimizer updates."""

    mode = False


class enable_grad(_GradModeContext):
    """Turn recording back on inside a ``no_grad`` block."""

    mode = True


# ---------------------------------------------------------------------------------------------
# Anomaly detection
# ---------------------------------------------------------------------------------------------


def is_anomaly_enabled() -> bool:
    return _State.anomaly_enabled


class set_detect_anomaly:
    """Switch anomaly detection on or off (a call and a context manager)."""

    def __init__(self, mode: bool):
        self.previous = _State.anomaly_enabled
        _State.anomaly_enabled = bool(mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        _State.anomaly_enabled = self.previous
        return False


class detect_anomaly(set_detect_anomaly):
    """Inside this context every forward result and every backward gradient is checked for NaN.
    The first one found raises a RuntimeError naming the op and the line of user code that
    created it.  Infinities pass: log(0) = -inf is an answer, and masks use -inf on purpose.

    >>> import minigrad
    >>> x = minigrad.tensor([-1.0], requires_grad=True)
    >>> with minigrad.autograd.detect_anomaly():
    ...     y = x.sqrt()
    Traceback (most recent call last):
    ...
    RuntimeError: Function 'Sqrt' returned nan values in its output 0 (forward) ...
    """

    def __init__(self):
        super().__init__(True)


def _has_nan(array) -> bool:
    if array.dtype.kind not in "fc":
        return False
    xp = backend.get_array_module(array)
    return bool(xp.isnan(array).any())


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def _where_created(function: Function) -> str:
    frames = getattr(function, "_creation_stack", None)
    if not frames:
        return ""
    # The innermost frame outside the minigrad package is the user's line that made the op.
    user_frames = [f for f in frames if not os.path.abspath(f.filename).startswith(_PACKAGE_DIR)]
    frame = (user_frames or frames)[-1]
    return f" -- created at {frame.filename}:{frame.lineno} in {frame.name}: {frame.line}"


# ---------------------------------------------------------------------------------------------
# Function
# ---------------------------------------------------------------------------------------------


class Function:
    """One differentiable operation.  Subclasses write two methods:

    ``forward(self, *arrays)``
        computes the result on backend arrays (NumPy or CuPy) and saves on ``self`` whatever the
        backward needs.  Returns one array, or a tuple of arrays for several outputs.
    ``backward(self, *grad_outputs)``
        receives one gradient *Tensor* per output and returns one gradient Tensor (or None) per
        input, written with minigrad ops -- so with ``create_graph=True`` the backward itself is
        recorded and can be differentiated again.  ``self.needs_input_grad[i]`` says whether
        input i wants a gradient; skip the work for those that do not.

    A Function instance is used once: ``Mul()(x, y)``.  After an ordinary backward the engine calls
    ``release()``, which drops the inputs and everything saved, so memory is freed as soon as
    backward has passed.
    """

    # Set by __call__ when the result needs a graph node.
    inputs: tuple | None = None
    outputs: tuple = ()
    needs_input_grad: tuple = ()
    released: bool = False

    def __call__(self, *inputs):
        """Run forward on the inputs' arrays; wrap the results in Tensors that remember this
        Function as their creator when any input requires grad and grad mode is on."""
        arrays = [t.data for t in inputs]
        try:
            result = self.forward(*arrays)
        except Exception:
            _check_same_device(self, inputs, arrays)  # a clearer error when devices are mixed
            raise
        if type(result) is tuple:
            return self._wrap_outputs(inputs, result)

        # One output, the common case: kept short because every op passes through here.
        if type(result) is not _ndarray:
            result = _ndarray_of(result)
        if _State.grad_enabled:
            for tensor in inputs:
                if tensor._requires_grad:
                    return self._record(inputs, result)
        if _State.anomaly_enabled:
            self._check_forward((result,))
        return Tensor._from_op(result, None, 0)

    def _record(self, inputs, result):
        """Make the output a graph node: it remembers this Function, which keeps its inputs."""
        output = Tensor._from_op(result, self, 0)
        self.inputs = inputs
        self.needs_input_grad = tuple([tensor._requires_grad for tensor in inputs])
        self.outputs = (weakref.ref(output),)
        if _State.anomaly_enabled:
            self._check_forward((result,))
        return output

    def _wrap_outputs(self, inputs, results):
        """__call__ for a Function with several outputs (split, max with indices, ...)."""
        results = tuple(_ndarray_of(array) for array in results)
        record = _State.grad_enabled and any(t._requires_grad for t in inputs)
        if record:
            # Integer outputs (indices) are not differentiable: they do not require grad.
            outputs = tuple(Tensor._from_op(array, self if array.dtype.kind == "f" else None, i)
                            for i, array in enumerate(results))
            self.inputs = inputs
            self.needs_input_grad = tuple(t._requires_grad for t in inputs)
            self.outputs = tuple(weakref.ref(out) for out in outputs)
            self.output_meta = tuple((array.shape, array.dtype) for array in results)
        else:
            outputs = tuple(Tensor._from_op(array, None, 0) for array in results)
        if _State.anomaly_enabled:
            self._check_forward(results)
        return outputs

    def _check_forward(self, results) -> None:
        """Anomaly mode: remember where this op was created and reject NaN results."""
        self._creation_stack = traceback.extract_stack()[:-2]
        for i, array in enumerate(results):
            if _has_nan(array):
                raise RuntimeError(
                    f"Function '{type(self).__name__}' returned nan values in its output {i} "
                    f"(forward){_where_created(self)}"
                )

    def forward(self, *arrays):
        raise NotImplementedError(f"{type(self).__name__} must define forward (abstract method)")

    def backward(self, *grad_outputs):
        raise NotImplementedError(f"{type(self).__name__} must define backward (abstract method)")

    def release(self) -> None:
        """Drop inputs and saved arrays after backward (unless retain_graph=True)."""
        self.__dict__.clear()
        self.released = True

    @property
    def name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{type(self).__name__}Backward>"


_ndarray = np.ndarray


def _ndarray_of(array):
    return array if isinstance(array, np.ndarray) or backend.is_cuda_array(array) \
        else np.asarray(array)


def _check_same_device(function: Function, inputs, arrays) -> None:
    if len(arrays) < 2:
        return
    first = arrays[0]
    for array in arrays[1:]:
        if not backend.same_device(array, first):
            devices = ", ".join(str(t.device) for t in inputs)
            raise RuntimeError(
                f"{type(function).__name__}: expected all tensors on the same device, "
                f"got tensors on {devices}; move them with .to(device)"
            )


# ---------------------------------------------------------------------------------------------
# The backward engine
# ---------------------------------------------------------------------------------------------

_FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or minigrad.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time."
)


def _collect(root_functions):
    """Walk the graph from the roots without recursion.

    Returns ``uses``: for every Function reachable through inputs that require grad, how many
    graph edges point into it (how many gradients it must wait for before it can run).
    """
    uses = {}
    stack = list(root_functions)
    seen = set(stack)
    while stack:
        function = stack.pop()
        if function.released:
            raise RuntimeError(_FREED_MESSAGE)
        for tensor in function.inputs:
            creator = tensor.creator
            if creator is None or not tensor._requires_grad:
                continue
            uses[creator] = uses.get(creator, 0) + 1
            if creator not in seen:
                seen.add(creator)
                stack.append(creator)
    return uses


def _prune(uses, root_functions, wanted_ids):
    """The Functions whose backward leads to one of the wanted tensors (for minigrad.grad)."""
    # Kahn's order from the roots lists every Function after all its consumers; walking it
    # backwards visits producers first, so one pass decides which Functions reach a wanted input.
    remaining = dict(uses)
    order = []
    ready = [f for f in root_functions if remaining.get(f, 0) == 0]
    while ready:
        function = ready.pop()
        order.append(function)
        for tensor in function.inputs:
            creator = tensor.creator
            if creator is None or not tensor._requires_grad:
                continue
            remaining[creator] -= 1
            if remaining[creator] == 0:
                ready.append(creator)
    needed = set()
    for function in reversed(order):
        for tensor in function.inputs:
            if not tensor._requires_grad:
                continue
            if id(tensor) in wanted_ids or tensor.creator in needed:
                needed.add(function)
                break
    return needed


def _sum_gradients(previous, gradient, engine_sums):
    """``previous + gradient`` for a tensor that was used more than once.

    ``engine_sums`` (id -> Tensor) holds the sums this backward made itself, when no graph is
    being recorded.  Nobody else has seen those, so further gradients are added into them in
    place: a weight used at every step of an RNN then costs one buffer, not one per step.  A
    gradient handed over by a backward is never modified: it may be shared (Add passes one
    Tensor to both inputs)."""
    if previous is None:
        return gradient
    if engine_sums is not None and id(previous) in engine_sums:
        previous.data += gradient.data
        return previous
    total = previous + gradient
    if engine_sums is not None:
        engine_sums[id(total)] = total
    return total


def _accumulate(slot_list, index, gradient, engine_sums):
    slot_list[index] = _sum_gradients(slot_list[index], gradient, engine_sums)


def _run_hooks(tensor, gradient):
    for hook in tensor._hooks:
        replaced = hook(gradient)
        if replaced is not None:
            gradient = replaced
    return gradient


def _check_gradient(function, index, tensor, gradient):
    """A gradient must be a Tensor with the shape and dtype of the input it belongs to."""
    if not isinstance(gradient, Tensor):
        raise TypeError(
            f"{type(function).__name__}.backward returned a {type(gradient).__name__} for input "
            f"{index}; gradients must be Tensors (or None)"
        )
    if gradient.data.shape != tensor.data.shape:
        raise RuntimeError(
            f"{type(function).__name__}.backward returned a gradient of shape "
            f"{tuple(gradient.shape)} for input {index} of shape {tuple(tensor.shape)}"
        )
    if gradient.data.dtype is not tensor.data.dtype and gradient.dtype != tensor.dtype:
        raise RuntimeError(
            f"{type(function).__name__}.backward returned a gradient of dtype {gradient.dtype} "
            f"for input {index} of dtype {tensor.dtype}"
        )
    if _State.anomaly_enabled and _has_nan(gradient.data):
        raise RuntimeError(
            f"Function '{type(function).__name__}Backward' returned nan values in its gradient "
            f"for input {index}{_where_created(function)}"
        )


def run_backward(roots, root_grads, retain_graph=False, create_graph=False, wanted=None):
    """The engine.  ``roots`` are the tensors backward starts from and ``root_grads`` their
    gradients.  With ``wanted=None`` leaf gradients are added into ``.grad``; with a list of
    tensors (minigrad.grad) the gradients of exactly those are returned instead."""
    pending = {}  # Function -> list with one gradient (or None) per output
    leaf_pending = {}  # id(leaf) -> [leaf, its gradient summed so far]; delivered at the end
    captured = {}  # id(tensor) -> gradient, only when `wanted` is given
    wanted_ids = None if wanted is None else {id(t): t for t in wanted}
    root_functions = []
    engine_sums = None if create_graph else {}  # see _sum_gradients

    for tensor, gradient in zip(roots, root_grads):
        function = tensor.creator
        if function is None:
            _add_leaf_gradient(leaf_pending, tensor, gradient, wanted_ids, engine_sums)
            continue
        if function.released:
            raise RuntimeError(_FREED_MESSAGE)
        if function not in pending:
            pending[function] = [None] * len(function.outputs)
            root_functions.append(function)
        _accumulate(pending[function], tensor._output_index, gradient, engine_sums)

    uses = _collect(root_functions)
    needed = None if wanted_ids is None else _prune(uses, root_functions, wanted_ids)

    anomaly = _State.anomaly_enabled
    ready = [f for f in root_functions if uses.get(f, 0) == 0]
    with set_grad_enabled(create_graph):
        while ready:
            function = ready.pop()
            grad_outputs = pending.pop(function)
            if engine_sums:
                for gradient in grad_outputs:  # complete now: from here on it may be shared
                    engine_sums.pop(id(gradient), None)
            _prepare_output_grads(function, grad_outputs, wanted_ids, captured)

            run_it = needed is None or function in needed
            if not run_it:
                input_grads = (None,)
            else:
                if anomaly:
                    input_grads = _backward_blaming_this_function(function, grad_outputs)
                else:
                    input_grads = function.backward(*grad_outputs)
                if type(input_grads) is not tuple:
                    input_grads = (input_grads,)
                if len(input_grads) != len(function.inputs):
                    raise RuntimeError(
                        f"{type(function).__name__}.backward returned {len(input_grads)} "
                        f"gradient(s) for {len(function.inputs)} inputs"
                    )

            for index, tensor in enumerate(function.inputs):
                if not tensor._requires_grad:
                    continue
                creator = tensor.creator
                wants = run_it and function.needs_input_grad[index]
                gradient = input_grads[index] if wants else None
                if gradient is not None:
                    _check_gradient(function, index, tensor, gradient)
                    if creator is None:
                        _add_leaf_gradient(leaf_pending, tensor, gradient, wanted_ids,
                                           engine_sums)
                    else:
                        if creator not in pending:
                            pending[creator] = [None] * len(creator.outputs)
                        _accumulate(pending[creator], tensor._output_index, gradient,
                                    engine_sums)
                if creator is not None:
                    uses[creator] -= 1
                    if uses[creator] == 0 and creator in pending:
                        ready.append(creator)
                    elif uses[creator] == 0:
                        _release_unreached(creator, uses, pending, ready, retain_graph)
            if not retain_graph:
                function.release()
        _deliver_leaf_gradients(leaf_pending, captured, wanted_ids, root_grads)

    if wanted is None:
        return None
    return [captured.get(id(t)) for t in wanted]


def _backward_blaming_this_function(function, grad_outputs):
    """Anomaly mode: the ops inside a backward would report their own NaN as a forward anomaly
    (``Div``); switch that check off so the NaN is blamed on this Function's backward."""
    _State.anomaly_enabled = False
    try:
        return function.backward(*grad_outputs)
    finally:
        _State.anomaly_enabled = True


def _release_unreached(function, uses, pending, ready, retain_graph):
    """A Function none of whose outputs received a gradient: nothing flows through it, but the
    Functions it feeds still wait for its edges -- count them off without calling backward."""
    stack = [function]
    while stack:
        current = stack.pop()
        for tensor in current.inputs:
            creator = tensor.creator
            if creator is None or not tensor._requires_grad:
                continue
            uses[creator] -= 1
            if uses[creator] == 0:
                if creator in pending:
                    ready.append(creator)
                else:
                    stack.append(creator)
        if not retain_graph:
            current.release()


def _prepare_output_grads(function, grad_outputs, wanted_ids, captured):
    """Fill missing output gradients with zeros, run hooks, keep retained and wanted grads."""
    for index, ref in enumerate(function.outputs):
        output = ref()
        gradient = grad_outputs[index]
        if gradient is None:
            shape, dtype = function.output_meta[index]
            xp = backend.get_array_module(function.inputs[0].data)
            gradient = Tensor._from_op(xp.zeros(shape, dtype=dtype), None, 0)
        if output is not None:
            if output._hooks:
                gradient = _run_hooks(output, gradient)
            if output._retains_grad and wanted_ids is None:
                if output.grad is None:
                    # A copy: the gradient flows on (it may become a leaf's .grad as well) and
                    # can be a read-only broadcast view.
                    output.grad = _owned(gradient)
                else:
                    output.grad = output.grad + gradient
            if wanted_ids is not None and id(output) in wanted_ids:
                captured[id(output)] = gradient
        grad_outputs[index] = gradient


def _add_leaf_gradient(leaf_pending, tensor, gradient, wanted_ids, engine_sums):
    """Sum the gradients reaching one leaf; they are delivered once, when backward ends."""
    if wanted_ids is not None and id(tensor) not in wanted_ids:
        return  # minigrad.grad: nobody asked for this leaf
    entry = leaf_pending.get(id(tensor))
    if entry is None:
        leaf_pending[id(tensor)] = [tensor, gradient]
    else:
        entry[1] = _sum_gradients(entry[1], gradient, engine_sums)


def _owned(gradient):
    """``gradient`` with memory of its own (a copy unless it is part of a graph)."""
    if gradient.creator is not None:
        return gradient
    return Tensor._from_op(gradient.data.copy(), None, 0)


def _deliver_leaf_gradients(leaf_pending, captured, wanted_ids, root_grads):
    """Give every leaf its total gradient: run its hooks once, then add it into ``.grad`` (or
    keep it as a result of minigrad.grad)."""
    # A leaf's .grad must own its memory, because users and optimizers modify .grad in place,
    # but a gradient may be shared: Add hands the same Tensor to both inputs, a root gradient is
    # also held by the caller, and reshape/broadcast gradients are views of other arrays.
    shared = {id(gradient) for gradient in root_grads}
    for tensor, gradient in leaf_pending.values():
        if tensor._hooks:
            gradient = _run_hooks(tensor, gradient)
        if wanted_ids is not None:
            captured[id(tensor)] = gradient
        elif tensor.grad is None:
            if id(gradient) in shared or gradient.data.base is not None:
                gradient = _owned(gradient)
            shared.add(id(gradient))
            tensor.grad = gradient
        else:
            tensor.grad = tensor.grad + gradient


def _as_gradient(tensor, gradient, what):
    """The starting gradient for one root: ones for a scalar, else the user's, checked."""
    if gradient is None:
        if tensor.numel() != 1:
            raise RuntimeError(
                f"grad can be implicitly created only for scalar outputs, but {what} has shape "
                f"{tuple(tensor.shape)}; pass a gradient of that shape"
            )
        xp = backend.get_array_module(tensor.data)
        return Tensor._from_op(xp.ones(tensor.shape, dtype=tensor.dtype), None, 0)
    if not isinstance(gradient, Tensor):
        gradient = Tensor(gradient, dtype=tensor.dtype, device=tensor.device)
    if gradient.shape != tensor.shape:
        raise ValueError(
            f"backward: gradient shape {tuple(gradient.shape)} does not match {what} shape "
            f"{tuple(tensor.shape)}"
        )
    if gradient.dtype != tensor.dtype:
        gradient = gradient.to(tensor.dtype)
    return gradient


def _check_root(tensor, what):
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{what} must be a Tensor, got {type(tensor).__name__}")
    if not tensor.requires_grad:
        if tensor.dtype.kind != "f":
            raise RuntimeError(
                f"{what} has dtype {tensor.dtype} and does not require grad: only floating point "
                "results can be differentiated"
            )
        raise RuntimeError(
            f"{what} does not require grad and has no creator: did you compute it under "
            "no_grad(), or forget requires_grad=True on the inputs?"
        )


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False):
    """Add d(tensors)/d(leaf) into the ``.grad`` of every leaf that requires grad.

    ``tensors`` is a Tensor or a sequence; ``grad_tensors`` the matching gradients (None for
    scalars).  ``retain_graph`` defaults to ``create_graph``.
    """
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    if grad_tensors is None or isinstance(grad_tensors, Tensor):
        grad_tensors = [grad_tensors] * len(tensors) if grad_tensors is None else [grad_tensors]
    if len(grad_tensors) != len(tensors):
        raise ValueError(f"backward got {len(tensors)} tensors but {len(grad_tensors)} gradients")
    for i, tensor in enumerate(tensors):
        _check_root(tensor, f"tensor {i}" if len(tensors) > 1 else "the tensor")
    grads = [_as_gradient(t, g, "the output") for t, g in zip(tensors, grad_tensors)]
    if retain_graph is None:
        retain_graph = create_graph
    run_backward(tensors, grads, retain_graph=retain_graph, create_graph=create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False):
    """Return d(outputs)/d(inputs) as a tuple of Tensors, without touching any ``.grad``.

    Mirrors ``torch.autograd.grad``.  With ``create_graph=True`` the returned gradients are part
    of a graph themselves, so they can be differentiated again (gradient penalties, Hessian-vector
    products).

    >>> import minigrad
    >>> x = minigrad.tensor(3.0, requires_grad=True)
    >>> (dy,) = minigrad.grad(x ** 3, x, create_graph=True)
    >>> dy.item(), minigrad.grad(dy, x)[0].item()
    (27.0, 18.0)
    """
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    single_input = isinstance(inputs, Tensor)
    inputs = [inputs] if single_input else list(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs] * len(outputs) if grad_outputs is None else [grad_outputs]
    for i, output in enumerate(outputs):
        _check_root(output, f"output {i}")
    for i, tensor in enumerate(inputs):
        if not isinstance(tensor, Tensor):
            raise TypeError(f"grad: input {i} must be a Tensor, got {type(tensor).__name__}")
        if not tensor.requires_grad:
            raise RuntimeError(f"grad: input {i} does not require grad")
    grads = [_as_gradient(t, g, f"output {i}") for i, (t, g) in
             enumerate(zip(outputs, grad_outputs))]
    if retain_graph is None:
        retain_graph = create_graph
    results = run_backward(outputs, grads, retain_graph=retain_graph, create_graph=create_graph,
                           wanted=inputs)
    for i, result in enumerate(results):
        if result is None and not allow_unused:
            raise RuntimeError(
                f"grad: input {i} was not used to compute the outputs; pass allow_unused=True "
                "to get None for it"
            )
    return tuple(results)


from .tensor import Tensor  # noqa: E402  (tensor.py imports this module; Tensor is needed above)
