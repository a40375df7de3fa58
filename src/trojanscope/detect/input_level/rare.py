"""The rare-position column (issue 14, stop 37; opt-in, ``mahalanobis`` ``rare=true``): how many
of an image's bright pixels (over half the clean data's range above its minimum, as the isolated
column) sit at positions where under ``RARE`` of the clean images it was fitted on are bright.
A centred digit never reaches the border band; a one-pixel cross (a full row and column), a
frame, or pixels scattered across the image do. Measured on the development one-pixel-cross
models (docs/benchmarks.md, stop 36, ``benchmarks/detect_inputs_cross_columns.py``): alone
ROC-AUC ≥ 0.999 and TPR 1.000 on all six, where the isolated column reads nothing (a full line
has no isolated pixels). It reads the input alone: no forward pass. Opt-in: stop 37's rule for
making it ``detect-inputs``' default was not met on fresh models (docs/benchmarks.md).
"""

from __future__ import annotations

from torch import Tensor

from trojanscope.detect.input_level.isolated import bright

RARE = 0.005  # a position is rare where fewer than this share of the clean images are bright


def rare_positions(clean_x: Tensor, floor: Tensor, span: Tensor) -> Tensor:
    """The positions (C×H×W booleans) where under ``RARE`` of ``clean_x`` is bright."""
    return bright(clean_x, floor, span).float().mean(0) < RARE


def rare_count(x: Tensor, floor: Tensor, span: Tensor, rare: Tensor) -> Tensor:
    """Per input: the number of its bright pixels at the ``rare`` positions."""
    return (bright(x, floor, span) & rare).flatten(1).sum(1).double()
