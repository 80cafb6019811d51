"""nn.functional.pooling

Holds: (being written).
"""

__all__: list = []
