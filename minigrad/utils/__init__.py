"""Utilities: gradient checking (gradcheck.py), graph export (graph.py), a progress bar for
training loops (progress.py), PNG plots (plot.py), a PNG writer/reader (png.py) and metrics
(metrics.py: roc_auc)."""

from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .graph import to_dot
from .metrics import roc_auc
from .progress import Progress

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError", "to_dot", "Progress", "roc_auc"]
