"""minigrad.optim: optimizers and learning-rate schedules, with PyTorch's names, arguments and
defaults (``torch.optim``), so a training loop written for PyTorch runs unchanged.

    optimizer.py     Optimizer: parameter groups, state, zero_grad, step(closure),
                     state_dict/load_state_dict
    sgd.py           SGD (momentum, dampening, Nesterov, weight decay)
    adagrad.py       Adagrad
    adadelta.py      Adadelta
    rmsprop.py       RMSprop (momentum, centered)
    adam.py          Adam (amsgrad, L2 weight decay)
    adamw.py         AdamW (decoupled weight decay)
    lr_scheduler.py  StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, OneCycleLR,
                     ReduceLROnPlateau, ... (``minigrad.optim.lr_scheduler``)

The training loop::

    optimizer = minigrad.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for x, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
"""

from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam
from .adamw import AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adagrad", "Adadelta", "RMSprop", "Adam", "AdamW",
           "lr_scheduler"]
