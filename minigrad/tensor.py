"""Tensor: an n-dimensional array (NumPy or CuPy) plus what autograd needs to know about it.

A Tensor holds
    data           the backend array (numpy.ndarray on the CPU, cupy.ndarray on a GPU)
    grad           the gradient accumulated by backward (a Tensor), or None
    requires_grad  whether ops on it are recorded for backward
    creator        the Function that produced it (None for a leaf: data you made yourself)

Every operator and method below delegates to a function in ``minigrad.ops``; this file only
converts arguments and documents the API.  The derivatives live in ``ops/`` and nowhere else.
"""

from __future__ import annotations

import numpy as np

from . import backend, dtypes


def _as_array(data, dtype=None, device=None, copy=False):
    """Turn Python data, a NumPy/CuPy array or a Tensor into a backend array.

    Python floats become the default float dtype (float32), Python ints int64, bools bool --
    like ``torch.tensor``.  An explicit ``dtype`` wins.  Arrays keep their dtype.
    """
    dtype = dtypes.as_dtype(dtype)
    if isinstance(data, Tensor):
        data = data.data
    elif isinstance(data, (np.number, np.bool_)):
        data = np.asarray(data)  # a NumPy scalar keeps its dtype, as an array does
    if isinstance(data, np.ndarray) or backend.is_cuda_array(data):
        array = data
        if dtype is not None and array.dtype != dtype:
            array = array.astype(dtype)
            copy = False
    else:
        if isinstance(data, (list, tuple)) and any(isinstance(x, Tensor) for x in _flat(data)):
            data = _nested_items(data)
        array = np.asarray(data)
        if dtype is not None:
            array = array.astype(dtype, copy=False)
        elif array.dtype.kind == "f":
            array = array.astype(dtypes.get_default_dtype(), copy=False)
        elif array.dtype.kind in "iu":
            array = array.astype(np.int64, copy=False)
        elif array.dtype.kind not in "b":
            raise TypeError(f"cannot make a tensor from data of type {array.dtype}")
        copy = False
    if device is not None:
        moved = backend.to_device(array, device)
        copy = copy and moved is array
        array = moved
    return array.copy() if copy else array


def _flat(items):
    for item in items:
        if isinstance(item, (list, tuple)):
            yield from _flat(item)
        else:
            yield item


def _nested_items(items):
    """[[Tensor, ...], ...] -> nested lists of Python numbers (as torch.tensor accepts)."""
    if isinstance(items, (list, tuple)):
        return [_nested_items(item) for item in items]
    if isinstance(items, Tensor):
        return items.cpu().data.tolist()
    return items


class Tensor:
    """An n-dimensional array with automatic differentiation.

    ``Tensor(data, dtype=None, device=None, requires_grad=False)`` wraps ``data`` (nested lists,
    a number, a NumPy/CuPy array) without copying arrays; ``minigrad.tensor(...)`` copies.

    >>> import minigrad
    >>> x = minigrad.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> y = (x * x).sum()
    >>> y.backward()
    >>> x.grad
    tensor([[2., 4.],
            [6., 8.]])
    """

    __slots__ = ("data", "grad", "_requires_grad", "creator", "_output_index", "_hooks",
                 "_retains_grad", "name", "__weakref__")

    # NumPy defers to our reflected operators (np_array * tensor -> Tensor.__rmul__).
    __array_ufunc__ = None
    __array_priority__ = 1000

    def __init__(self, data, dtype=None, device=None, requires_grad=False):
        self.data = _as_array(data, dtype=dtype, device=device)
        self.grad = None
        self.creator = None
        self._output_index = 0
        self._hooks = ()
        self._retains_grad = False
        self.name = None
        self._requires_grad = False
        if requires_grad:
            self.requires_grad = True

    @classmethod
    def _from_op(cls, array, creator, output_index):
        """Fast constructor used by Function.__call__ (no conversion, no checks)."""
        tensor = object.__new__(cls)
        tensor.data = array
        tensor.grad = None
        tensor.creator = creator
        tensor._output_index = output_index
        tensor._requires_grad = creator is not None
        tensor._hooks = ()
        tensor._retains_grad = False
        tensor.name = None
        return tensor

    # -----------------------------------------------------------------------------------------
    # Autograd attributes
    # -----------------------------------------------------------------------------------------

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        if self.creator is not None and not flag:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf tensors; use .detach() to get "
                "a tensor that does not require grad"
            )
        if flag and not dtypes.is_floating(self.data.dtype):
            raise TypeError(
                f"only tensors of floating point dtype can require gradients, got {self.dtype} "
                f"(convert with .float() first)"
            )
        self._requires_grad = bool(flag)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set requires_grad in place and return self."""
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> bool:
        """A leaf is a tensor not made by a recorded op (parameters, inputs)."""
        return self.creator is None

    @property
    def grad_fn(self):
        """The Function that made this tensor (PyTorch's name for ``creator``)."""
        return self.creator

    def backward(self, gradient=None, retain_graph=None, create_graph=False) -> None:
        """Accumulate d(self)/d(leaf) into ``leaf.grad`` for every leaf that requires grad.

        ``gradient`` is needed when self is not a scalar (it is d(loss)/d(self)).
        """
        autograd.backward(self, gradient, retain_graph=retain_graph, create_graph=create_graph)

    def detach(self) -> Tensor:
        """A tensor sharing the same data, cut off from the graph (no creator, no grad)."""
        return Tensor._from_op(self.data, None, 0)

    def detach_(self) -> Tensor:
        """Cut this tensor off from the graph in place."""
        self.creator = None
        self._requires_grad = False
        return self

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this non-leaf tensor after backward (leaves always keep it)."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on a tensor that does not require grad")
        if self.creator is not None:
            self._retains_grad = True

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def register_hook(self, hook):
        """Call ``hook(grad)`` whenever this tensor's gradient is computed.  The hook may return
        a replacement gradient.  Returns a handle whose ``remove()`` unregisters it."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that does not require grad")
        self._hooks = self._hooks + (hook,)
        return _HookHandle(self, hook)

    # -----------------------------------------------------------------------------------------
    # Shape, dtype, device
    # -----------------------------------------------------------------------------------------

    @property
    def shape(self) -> tuple:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def device(self) -> backend.Device:
        return backend.device_of(self.data)

    @property
    def is_cuda(self) -> bool:
        return backend.is_cuda_array(self.data)

    def size(self, dim: int | None = None):
        """The shape (as a tuple), or its length along ``dim``."""
        return self.data.shape if dim is None else self.data.shape[dim]

    def dim(self) -> int:
        return self.data.ndim

    def numel(self) -> int:
        return int(self.data.size)

    def element_size(self) -> int:
        return self.data.itemsize

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def is_floating_point(self) -> bool:
        return dtypes.is_floating(self.data.dtype)

    # -----------------------------------------------------------------------------------------
    # Conversion
    # -----------------------------------------------------------------------------------------

    def numpy(self) -> np.ndarray:
        """The data as a NumPy array (shared, not copied).  CPU tensors only."""
        if backend.is_cuda_array(self.data):
            raise TypeError(
                f"can't convert a tensor on {self.device} to numpy; use tensor.cpu() to copy it "
                "to host memory first"
            )
        if self._requires_grad:
            raise RuntimeError(
                "can't call numpy() on a tensor that requires grad; use tensor.detach().numpy()"
            )
        return self.data

    def __array__(self, dtype=None, copy=None):
        if backend.is_cuda_array(self.data):
            raise TypeError(
                f"implicit conversion of a tensor on {self.device} to a NumPy array is not "
                "allowed; call .cpu() first"
            )
        if dtype is not None and np.dtype(dtype) != self.data.dtype:
            return self.data.astype(dtype)
        # np.array(tensor) asks for a copy (copy=True); np.asarray(tensor) shares the memory.
        return self.data.copy() if copy else self.data

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise ValueError(
                f"a tensor with {self.data.size} elements cannot be converted to a Python scalar"
            )
        return self.data.item()

    def tolist(self):
        """The data as (nested) Python lists."""
        return backend.to_device(self.data, "cpu").tolist()

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise RuntimeError(
                f"the truth value of a tensor with {self.data.size} elements is ambiguous; "
                "use .any() or .all()"
            )
        return bool(self.data.item())

    def __index__(self) -> int:
        if self.data.size != 1 or self.data.dtype.kind not in "iu":
            raise TypeError("only integer tensors of a single element can be used as an index")
        return int(self.data.item())

    def to(self, *args, dtype=None, device=None) -> Tensor:
        """``to(device)``, ``to(dtype)``, ``to(device, dtype)`` or keywords; differentiable.

        Returns self when nothing changes (like PyTorch)."""
        for arg in args:
            if isinstance(arg, Tensor):
                device, dtype = arg.device, arg.dtype
            elif isinstance(arg, (str, backend.Device)):
                device = arg
            else:
                dtype = arg
        result = self
        if dtype is not None and dtypes.as_dtype(dtype) != self.dtype:
            result = ops.cast(result, dtype)
        if device is not None and backend.as_device(device) != self.device:
            result = ops.to_device(result, device)
        return result

    def cpu(self) -> Tensor:
        return self.to("cpu")

    def cuda(self, device=None) -> Tensor:
        if device is None:
            device = "cuda"
        elif isinstance(device, int):
            device = f"cuda:{device}"
        return self.to(device)

    def type(self, dtype=None):
        """With no argument, the dtype's name ('minigrad.float32'); else ``to(dtype)``."""
        if dtype is None:
            return dtypes.dtype_name(self.dtype)
        return self.to(dtype)

    def float(self) -> Tensor:
        return self.to(dtypes.float32)

    def double(self) -> Tensor:
        return self.to(dtypes.float64)

    def half(self) -> Tensor:
        return self.to(dtypes.float16)

    def long(self) -> Tensor:
        return self.to(dtypes.int64)

    def int(self) -> Tensor:
        return self.to(dtypes.int32)

    def bool(self) -> Tensor:
        return self.to(dtypes.bool_)

    def clone(self) -> Tensor:
        """A copy with its own memory that stays in the graph (gradient flows back)."""
        return ops.clone(self)

    def contiguous(self) -> Tensor:
        return self

    # -----------------------------------------------------------------------------------------
    # Printing
    # -----------------------------------------------------------------------------------------

    def __repr__(self) -> str:
        array = backend.to_device(self.data, "cpu")
        extras = []
        if self.device.type != "cpu":
            extras.append(f"device='{self.device}'")
        if array.dtype not in (dtypes.get_default_dtype(), dtypes.int64, dtypes.bool_) or (
            array.size == 0 and array.dtype != dtypes.get_default_dtype()
        ):
            extras.append(f"dtype={dtypes.dtype_name(array.dtype)}")
        if self.creator is not None:
            extras.append(f"grad_fn={self.creator!r}")
        elif self._requires_grad:
            extras.append("requires_grad=True")
        if array.size == 0:
            body = f"[], size={array.shape}" if array.ndim > 1 else "[]"
        else:
            body = np.array2string(array, separator=", ", prefix="tensor(", precision=4,
                                   floatmode="maxprec_equal", threshold=1000)
        suffix = "".join(", " + e for e in extras)
        return f"tensor({body}{suffix})"

    def __str__(self) -> str:
        return self.__repr__()

    # -----------------------------------------------------------------------------------------
    # Arithmetic operators (see ops/arithmetic.py)
    # -----------------------------------------------------------------------------------------

    def __add__(self, other):
        return ops.add(self, other)

    def __radd__(self, other):
        return ops.add(other, self)

    def __sub__(self, other):
        return ops.sub(self, other)

    def __rsub__(self, other):
        return ops.sub(other, self)

    def __mul__(self, other):
        return ops.mul(self, other)

    def __rmul__(self, other):
        return ops.mul(other, self)

    def __truediv__(self, other):
        return ops.div(self, other)

    def __rtruediv__(self, other):
        return ops.div(other, self)

    def __floordiv__(self, other):
        return ops.floor_divide(self, other)

    def __rfloordiv__(self, other):
        return ops.floor_divide(other, self)

    def __mod__(self, other):
        return ops.remainder(self, other)

    def __rmod__(self, other):
        return ops.remainder(other, self)

    def __pow__(self, exponent):
        return ops.pow(self, exponent)

    def __rpow__(self, base):
        return ops.pow(base, self)

    def __matmul__(self, other):
        return ops.matmul(self, other)

    def __rmatmul__(self, other):
        return ops.matmul(other, self)

    def __neg__(self):
        return ops.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return ops.abs(self)

    # Comparisons give boolean tensors that do not require grad (see ops/compare.py).
    def __eq__(self, other):
        return ops.eq(self, other)

    def __ne__(self, other):
        return ops.ne(self, other)

    def __lt__(self, other):
        return ops.lt(self, other)

    def __le__(self, other):
        return ops.le(self, other)

    def __gt__(self, other):
        return ops.gt(self, other)

    def __ge__(self, other):
        return ops.ge(self, other)

    def __invert__(self):
        return ops.logical_not(self)

    def __and__(self, other):
        return ops.logical_and(self, other)

    def __or__(self, other):
        return ops.logical_or(self, other)

    def __xor__(self, other):
        return ops.logical_xor(self, other)

    __hash__ = object.__hash__

    # -----------------------------------------------------------------------------------------
    # Indexing (see ops/shape.py)
    # -----------------------------------------------------------------------------------------

    def __getitem__(self, index):
        return ops.getitem(self, index)

    def __setitem__(self, index, value) -> None:
        self._check_inplace("__setitem__")
        if isinstance(index, Tensor):
            index = index.data
        elif isinstance(index, tuple):
            index = tuple(i.data if isinstance(i, Tensor) else i for i in index)
        if isinstance(value, Tensor):
            if not backend.same_device(value.data, self.data):
                raise RuntimeError(
                    f"__setitem__: value is on {value.device} but the tensor is on {self.device}"
                )
            value = value.data
        self.data[index] = value

    def __iter__(self):
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        # one op for all rows: a backward through the rows then costs one stack, not one
        # full-size scatter per row
        yield from ops.unbind(self, 0)

    # -----------------------------------------------------------------------------------------
    # In-place updates of data (no graph): for initialisation, optimizers and masks
    # -----------------------------------------------------------------------------------------

    def _check_inplace(self, what: str) -> None:
        from .autograd import is_grad_enabled

        if self.creator is not None or (self._requires_grad and is_grad_enabled()):
            raise RuntimeError(
                f"{what}: a tensor that is part of a graph (requires_grad=True) cannot be "
                "modified in place; wrap the update in minigrad.no_grad() for a leaf, or use "
                "an out-of-place op"
            )

    def _other_array(self, other):
        if isinstance(other, Tensor):
            return other.data
        return other

    # x += y and friends.  On data outside any graph (or a leaf under no_grad) they modify the
    # tensor in place, so ``param -= lr * param.grad`` inside ``no_grad()`` updates the parameter.
    # On a tensor inside a graph they fall back to the out-of-place op (``x = x + y``), which
    # keeps the graph correct; on a leaf that requires grad they raise, as in PyTorch.
    def _inplace_or_rebind(self, other, inplace, out_of_place, what: str):
        from .autograd import is_grad_enabled

        if self.creator is not None and is_grad_enabled():
            return out_of_place(self, other)
        self._check_inplace(what)
        inplace(self, other)
        return self

    def __iadd__(self, other):
        return self._inplace_or_rebind(other, Tensor.add_, ops.add, "+=")

    def __isub__(self, other):
        return self._inplace_or_rebind(other, Tensor.sub_, ops.sub, "-=")

    def __imul__(self, other):
        return self._inplace_or_rebind(other, Tensor.mul_, ops.mul, "*=")

    def __itruediv__(self, other):
        return self._inplace_or_rebind(other, Tensor.div_, ops.div, "/=")

    def zero_(self) -> Tensor:
        self._check_inplace("zero_")
        self.data.fill(0)
        return self

    def fill_(self, value) -> Tensor:
        self._check_inplace("fill_")
        self.data.fill(value)
        return self

    def copy_(self, source) -> Tensor:
        """Copy ``source`` (broadcast to this shape) into this tensor's memory."""
        self._check_inplace("copy_")
        source = source.data if isinstance(source, Tensor) else source
        if isinstance(source, np.ndarray) or backend.is_cuda_array(source):
            source = backend.to_device(source, self.device)  # a copy between devices if needed
        xp = backend.get_array_module(self.data)
        self.data[...] = xp.asarray(source)
        return self

    def add_(self, other, alpha=1) -> Tensor:
        self._check_inplace("add_")
        other = self._other_array(other)
        self.data += other if alpha == 1 else alpha * other
        return self

    def sub_(self, other, alpha=1) -> Tensor:
        self._check_inplace("sub_")
        other = self._other_array(other)
        self.data -= other if alpha == 1 else alpha * other
        return self

    def mul_(self, other) -> Tensor:
        self._check_inplace("mul_")
        self.data *= self._other_array(other)
        return self

    def div_(self, other) -> Tensor:
        self._check_inplace("div_")
        self.data /= self._other_array(other)
        return self

    def clamp_(self, min=None, max=None) -> Tensor:  # noqa: A002 -- PyTorch's argument names
        self._check_inplace("clamp_")
        xp = backend.get_array_module(self.data)
        xp.clip(self.data, min, max, out=self.data)
        return self

    def uniform_(self, a: float = 0.0, b: float = 1.0) -> Tensor:
        """Fill with samples from U(a, b) drawn from the device's seeded generator."""
        self._check_inplace("uniform_")
        rng = backend.generator(self.device)
        self.data[...] = rng.uniform(a, b, size=self.shape).astype(self.dtype, copy=False)
        return self

    def normal_(self, mean: float = 0.0, std: float = 1.0) -> Tensor:
        """Fill with samples from N(mean, std^2) drawn from the device's seeded generator."""
        self._check_inplace("normal_")
        rng = backend.generator(self.device)
        self.data[...] = (rng.standard_normal(size=self.shape) * std + mean).astype(
            self.dtype, copy=False)
        return self

    # -----------------------------------------------------------------------------------------
    # Methods that mirror functions in minigrad.ops
    # -----------------------------------------------------------------------------------------

    # unary math (ops/unary.py)
    def exp(self):
        return ops.exp(self)

    def log(self):
        return ops.log(self)

    def log1p(self):
        return ops.log1p(self)

    def sqrt(self):
        return ops.sqrt(self)

    def abs(self):
        return ops.abs(self)

    def sin(self):
        return ops.sin(self)

    def cos(self):
        return ops.cos(self)

    def tanh(self):
        return ops.tanh(self)

    def sigmoid(self):
        return ops.sigmoid(self)

    def relu(self):
        return ops.relu(self)

    def rsqrt(self):
        return ops.rsqrt(self)

    def erf(self):
        return ops.erf(self)

    def clamp(self, min=None, max=None):  # noqa: A002 -- PyTorch's argument names
        return ops.clamp(self, min, max)

    clip = clamp

    def maximum(self, other):
        return ops.maximum(self, other)

    def minimum(self, other):
        return ops.minimum(self, other)

    def sign(self):
        return ops.sign(self)

    def pow(self, exponent):
        return ops.pow(self, exponent)

    def square(self):
        return ops.mul(self, self)

    # reductions (ops/reduce.py)
    def sum(self, dim=None, keepdim=False):
        return ops.sum(self, dim, keepdim)

    def mean(self, dim=None, keepdim=False):
        return ops.mean(self, dim, keepdim)

    def max(self, dim=None, keepdim=False):
        return ops.max(self, dim, keepdim)

    def min(self, dim=None, keepdim=False):
        return ops.min(self, dim, keepdim)

    def amax(self, dim=None, keepdim=False):
        return ops.amax(self, dim, keepdim)

    def amin(self, dim=None, keepdim=False):
        return ops.amin(self, dim, keepdim)

    def var(self, dim=None, keepdim=False, correction=1):
        return ops.var(self, dim, keepdim=keepdim, correction=correction)

    def std(self, dim=None, keepdim=False, correction=1):
        return ops.std(self, dim, keepdim=keepdim, correction=correction)

    def logsumexp(self, dim, keepdim=False):
        return ops.logsumexp(self, dim, keepdim)

    def norm(self, p=2, dim=None, keepdim=False):
        return ops.norm(self, p, dim, keepdim)

    def argmax(self, dim=None, keepdim=False):
        return ops.argmax(self, dim, keepdim)

    def argmin(self, dim=None, keepdim=False):
        return ops.argmin(self, dim, keepdim)

    def cumsum(self, dim):
        return ops.cumsum(self, dim)

    def prod(self, dim=None, keepdim=False):
        return ops.prod(self, dim, keepdim)

    def all(self, dim=None, keepdim=False):
        return ops.all(self, dim, keepdim)

    def any(self, dim=None, keepdim=False):
        return ops.any(self, dim, keepdim)

    # softmax family (ops/softmax.py)
    def softmax(self, dim):
        return ops.softmax(self, dim)

    def log_softmax(self, dim):
        return ops.log_softmax(self, dim)

    # shape and indexing (ops/shape.py)
    def reshape(self, *shape):
        return ops.reshape(self, *shape)

    def view(self, *shape):
        return ops.reshape(self, *shape)

    def view_as(self, other):
        return ops.reshape(self, other.shape)

    def reshape_as(self, other):
        return ops.reshape(self, other.shape)

    def transpose(self, dim0, dim1):
        return ops.transpose(self, dim0, dim1)

    def permute(self, *dims):
        return ops.permute(self, *dims)

    @property
    def T(self):
        """All dimensions reversed (the matrix transpose for 2-D)."""
        return ops.permute(self, *reversed(range(self.ndim)))

    @property
    def mT(self):
        """The last two dimensions swapped (batched matrix transpose)."""
        return ops.transpose(self, -2, -1)

    def t(self):
        if self.ndim > 2:
            raise ValueError(f"t() expects a tensor with <= 2 dimensions, got {self.ndim}")
        return self.T

    def squeeze(self, dim=None):
        return ops.squeeze(self, dim)

    def unsqueeze(self, dim):
        return ops.unsqueeze(self, dim)

    def flatten(self, start_dim=0, end_dim=-1):
        return ops.flatten(self, start_dim, end_dim)

    def expand(self, *shape):
        return ops.expand(self, *shape)

    def expand_as(self, other):
        return ops.expand(self, *other.shape)

    def broadcast_to(self, shape):
        return ops.broadcast_to(self, shape)

    def sum_to(self, shape):
        return ops.sum_to(self, shape)

    def split(self, split_size_or_sections, dim=0):
        return ops.split(self, split_size_or_sections, dim)

    def chunk(self, chunks, dim=0):
        return ops.chunk(self, chunks, dim)

    def flip(self, *dims):
        if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
            dims = dims[0]
        return ops.flip(self, dims)

    def roll(self, shifts, dims=None):
        return ops.roll(self, shifts, dims)

    def unbind(self, dim=0):
        return ops.unbind(self, dim)

    def unflatten(self, dim, sizes):
        return ops.unflatten(self, dim, sizes)

    def movedim(self, source, destination):
        return ops.movedim(self, source, destination)

    moveaxis = movedim

    def swapaxes(self, axis0, axis1):
        return ops.transpose(self, axis0, axis1)

    swapdims = swapaxes

    def narrow(self, dim, start, length):
        return ops.narrow(self, dim, start, length)

    def select(self, dim, index):
        return ops.select(self, dim, index)

    def index_select(self, dim, index):
        return ops.index_select(self, dim, index)

    def take_along_dim(self, indices, dim=None):
        return ops.take_along_dim(self, indices, dim)

    def scatter_add(self, dim, index, src):
        return ops.scatter_add(self, dim, index, src)

    def tril(self, diagonal=0):
        return ops.tril(self, diagonal)

    def triu(self, diagonal=0):
        return ops.triu(self, diagonal)

    def repeat(self, *repeats):
        return ops.repeat(self, *repeats)

    def gather(self, dim, index):
        return ops.gather(self, dim, index)

    def masked_fill(self, mask, value):
        return ops.masked_fill(self, mask, value)

    def matmul(self, other):
        return ops.matmul(self, other)

    def mm(self, other):
        return ops.mm(self, other)

    def bmm(self, other):
        return ops.bmm(self, other)

    def mv(self, vector):
        return ops.mv(self, vector)

    def dot(self, other):
        return ops.dot(self, other)

    def outer(self, other):
        return ops.outer(self, other)

    def type_as(self, other):
        return self.to(other.dtype)


class _HookHandle:
    """Returned by register_hook; ``remove()`` takes the hook off again."""

    def __init__(self, tensor: Tensor, hook):
        self.tensor = tensor
        self.hook = hook
        self.removed = False

    def remove(self) -> None:
        """Unregister this registration (the same hook may be registered twice); a second call
        does nothing."""
        if self.removed:
            return
        self.removed = True
        hooks = list(self.tensor._hooks)
        for position, hook in enumerate(hooks):
            if hook is self.hook:
                del hooks[position]
                break
        self.tensor._hooks = tuple(hooks)


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


# Imported last: both modules use the Tensor class defined above.
from . import autograd, ops  # noqa: E402
