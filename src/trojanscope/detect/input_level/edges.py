"""The edge-steepness column (issue 14, stop 33): a warp trigger (WaNet) redraws the image by
bilinear resampling through a smooth sub-pixel field, which turns the steep steps of a digit's
strokes into gentler ones. The share of an image's neighbouring-pixel steps that are steep
(over half the data's range) among those that are visible at all (over 5% of it) is lower on a
warped input than on clean ones, whatever the model makes of it — so it still tells a weak
warp's triggered inputs apart where they sit in the target class's clean cloud on every layer
(docs/benchmarks.md, "Weak WaNet backdoors"). It reads the input alone: no forward pass.
"""

from __future__ import annotations

import torch
from torch import Tensor

STEEP = 0.5  # a step counts as steep above this share of the clean data's range ...
VISIBLE = 0.05  # ... and as visible above this one (chosen on development warps, stop 33)


def data_span(clean_x: Tensor) -> Tensor:
    """The clean data's value range (max - min), the unit the step thresholds are read in."""
    return (clean_x.amax() - clean_x.amin()).clamp_min(1e-6)


def smoothness(x: Tensor, span: Tensor) -> Tensor:
    """Per input (N×C×H×W): minus the share of steep steps among the visible horizontal and
    vertical neighbour steps — higher when the image's edges are softer than usual."""
    dx = (x[..., :, 1:] - x[..., :, :-1]).abs().flatten(1)
    dy = (x[..., 1:, :] - x[..., :-1, :]).abs().flatten(1)
    steps = torch.cat([dx, dy], 1) / span
    steep = (steps > STEEP).double().sum(1)
    visible = (steps > VISIBLE).double().sum(1)
    return -steep / (visible + 1.0)
