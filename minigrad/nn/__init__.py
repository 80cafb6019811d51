"""minigrad.nn: modules (layers with parameters), losses, initialisation and ``functional``.

    module.py         Parameter, Module (parameters, train/eval, to(), state_dict, repr)
    containers.py     Sequential, ModuleList, ModuleDict
    linear.py         Linear, Identity, Flatten, Unflatten
    activation.py     ReLU, LeakyReLU, PReLU, ELU, SELU, GELU, SiLU, Sigmoid, Tanh, Softmax, ...
    dropout.py        Dropout, Dropout2d, AlphaDropout
    embedding.py      Embedding
    loss.py           MSELoss, CrossEntropyLoss, BCEWithLogitsLoss, ...
    conv.py           Conv1d, Conv2d, ConvTranspose2d
    pooling.py        MaxPool2d, AvgPool2d, Adaptive*Pool2d, MaxUnpool2d
    normalization.py  BatchNorm1d/2d, LayerNorm, GroupNorm, InstanceNorm2d, LocalResponseNorm
    padding.py        ZeroPad2d, ConstantPad2d, ReflectionPad2d, ReplicationPad2d, ... (1-D too)
    upsampling.py     Upsample
    rnn.py            RNNCell, LSTMCell, GRUCell, RNN, LSTM, GRU
    attention.py      MultiheadAttention, AdditiveAttention, PositionalEncoding
    transformer.py    Transformer{Encoder,Decoder}{Layer,}, Transformer
    init.py           xavier_uniform_, kaiming_normal_, ... (``minigrad.nn.init``)
    functional/       the stateless forms (``import minigrad.nn.functional as F``)
    utils/            clip_grad_norm_, clip_grad_value_
"""

from . import functional, init, utils
from .activation import *  # noqa: F401,F403
from .attention import *  # noqa: F401,F403
from .containers import *  # noqa: F401,F403
from .conv import *  # noqa: F401,F403
from .dropout import *  # noqa: F401,F403
from .embedding import *  # noqa: F401,F403
from .linear import *  # noqa: F401,F403
from .loss import *  # noqa: F401,F403
from .module import *  # noqa: F401,F403
from .normalization import *  # noqa: F401,F403
from .padding import *  # noqa: F401,F403
from .pooling import *  # noqa: F401,F403
from .rnn import *  # noqa: F401,F403
from .transformer import *  # noqa: F401,F403
from .upsampling import *  # noqa: F401,F403
