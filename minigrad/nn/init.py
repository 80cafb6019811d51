"""nn.init

Holds: (being written).
"""

__all__: list = []
