"""nn.upsampling

Holds: (being written).
"""

__all__: list = []
