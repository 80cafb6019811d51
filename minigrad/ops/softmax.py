"""Softmax family (filled in by the softmax work).

Holds: (nothing yet).
"""

__all__: list = []
