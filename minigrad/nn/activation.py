"""nn.activation

Holds: (being written).
"""

__all__: list = []
