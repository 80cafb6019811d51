"""nn.functional.normalization: batch, layer, group, instance and local response normalization
(the ops live in ``minigrad/ops/normalization.py``; batch_norm and layer_norm are the fused
Functions, with their composite twins ``minigrad.ops.normalization.*_composite``).

Holds: batch_norm, layer_norm, group_norm, instance_norm, local_response_norm.
"""

from __future__ import annotations

from ...ops.normalization import (
    batch_norm,
    group_norm,
    instance_norm,
    layer_norm,
    local_response_norm,
)

__all__ = ["batch_norm", "layer_norm", "group_norm", "instance_norm", "local_response_norm"]
