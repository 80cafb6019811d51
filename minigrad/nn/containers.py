"""nn.containers

Holds: (being written).
"""

__all__: list = []
