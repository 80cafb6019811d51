"""nn.rnn

Holds: (being written).
"""

__all__: list = []
