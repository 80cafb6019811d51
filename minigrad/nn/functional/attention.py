"""nn.functional.attention

Holds: (being written).
"""

__all__: list = []
