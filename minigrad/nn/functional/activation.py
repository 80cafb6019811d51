"""nn.functional.activation

Holds: (being written).
"""

__all__: list = []
