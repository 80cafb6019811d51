"""minigrad.optim: optimizers and learning-rate schedules.

Holds: (being written).
"""
