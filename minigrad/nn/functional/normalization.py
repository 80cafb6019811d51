"""nn.functional.normalization

Holds: (being written).
"""

__all__: list = []
