"""nn.embedding

Holds: (being written).
"""

__all__: list = []
