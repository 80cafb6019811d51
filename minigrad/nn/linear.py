"""nn.linear

Holds: (being written).
"""

__all__: list = []
