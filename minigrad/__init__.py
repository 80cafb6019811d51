"""minigrad: a from-scratch deep-learning framework on NumPy (CPU) and CuPy (NVIDIA GPU).

>>> import minigrad
>>> x = minigrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
>>> loss = (x ** 2).sum()
>>> loss.backward()
>>> x.grad
tensor([2., 4., 6.])
"""

from . import backend, cuda, dtypes
from .autograd import enable_grad, grad, is_grad_enabled, no_grad, set_grad_enabled
from .backend import Device, initial_seed, manual_seed
from .backend import Device as device
from .creation import (arange, as_tensor, empty, empty_like, eye, from_numpy, full, full_like,
                       linspace, ones, ones_like, rand, rand_like, randint, randint_like, randn,
                       randn_like, randperm, tensor, zeros, zeros_like)
from .dtypes import (bool_, double, float16, float32, float64, get_default_dtype, half, int8,
                     int16, int32, int64, long, set_default_dtype, short, uint8)
from .dtypes import bool_ as bool  # noqa: A004 -- PyTorch's name
from .dtypes import float32 as float  # noqa: A004 -- PyTorch's name
from .dtypes import int32 as int  # noqa: A004 -- PyTorch's name
from .ops import *  # noqa: F401,F403 -- every op is also minigrad.NAME, as in torch.NAME
from .serialization import load, save
from .tensor import Tensor, is_tensor
from . import autograd, ops  # noqa: E402,F401  (public submodules)

__version__ = "0.1.0"
from . import data, nn, optim, text, train, utils  # noqa: E402,F401
