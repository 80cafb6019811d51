"""nn.functional.linear

Holds: (being written).
"""

__all__: list = []
