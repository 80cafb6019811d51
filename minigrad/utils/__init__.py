"""Utilities: gradient checking (gradcheck.py), graph export (graph.py)."""

from .gradcheck import GradcheckError, gradcheck, gradgradcheck

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]
