"""nn.transformer

Holds: (being written).
"""

__all__: list = []
