"""nn.attention

Holds: (being written).
"""

__all__: list = []
