"""nn.functional.embedding

Holds: (being written).
"""

__all__: list = []
