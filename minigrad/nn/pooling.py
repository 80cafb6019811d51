"""nn.pooling

Holds: (being written).
"""

__all__: list = []
