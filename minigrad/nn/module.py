"""nn.module

Holds: (being written).
"""

__all__: list = []
