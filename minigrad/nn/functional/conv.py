"""nn.functional.conv

Holds: (being written).
"""

__all__: list = []
