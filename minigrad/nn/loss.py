"""nn.loss

Holds: (being written).
"""

__all__: list = []
