"""nn.normalization

Holds: (being written).
"""

__all__: list = []
