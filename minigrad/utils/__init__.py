"""Utilities: gradient checking (gradcheck.py), graph export (graph.py), a progress bar for
training loops (progress.py), PNG plots (plot.py) and a PNG writer/reader (png.py)."""

from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .graph import to_dot
from .progress import Progress

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError", "to_dot", "Progress"]
