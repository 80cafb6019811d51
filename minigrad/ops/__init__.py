"""Every differentiable primitive of minigrad: one Function subclass per op, and a lowercase
function that checks arguments and calls it.  Grouped by family:

    arithmetic.py   add, sub, mul, div, neg, pow, floor_divide, remainder
    unary.py        exp, log, sqrt, tanh, sigmoid, relu, gelu, clamp, maximum, where, ...
    reduce.py       sum, mean, max, min, var, std, logsumexp, norm, argmax, cumsum, ...
    shape.py        reshape, transpose, permute, squeeze, cat, stack, getitem, pad, gather, ...
    linalg.py       matmul
    softmax.py      softmax, log_softmax
    convert.py      cast, to_device, clone
    compare.py      eq, lt, ..., logical ops (no grad)

The families are imported here so that ``minigrad.ops.NAME`` finds any op.
"""

from .arithmetic import *  # noqa: F401,F403
from .compare import *  # noqa: F401,F403
from .convert import *  # noqa: F401,F403
from .linalg import *  # noqa: F401,F403
from .reduce import *  # noqa: F401,F403
from .shape import *  # noqa: F401,F403
from .softmax import *  # noqa: F401,F403
from .unary import *  # noqa: F401,F403
