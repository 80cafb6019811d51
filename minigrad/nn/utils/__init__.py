"""nn.utils: gradient clipping.

Holds: (being written).
"""
