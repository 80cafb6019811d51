"""Utilities: gradient checking (gradcheck.py), graph export (graph.py)."""

from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .graph import to_dot

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError", "to_dot"]
