"""nn.functional.dropout

Holds: (being written).
"""

__all__: list = []
