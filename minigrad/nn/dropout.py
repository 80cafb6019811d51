"""nn.dropout

Holds: (being written).
"""

__all__: list = []
