"""Small geometric resamplings of an image batch, for the consistency columns: a WaNet-style
trigger is a smooth warp learnt together with the bilinear resampling that draws it, so a tiny
re-warp followed by binarisation (which undoes the resampling's smoothness) moves a warped input
off its trigger while a clean digit keeps its class."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor


def rotate(x: Tensor, degrees: float) -> Tensor:
    """``x`` (N×C×H×W) rotated by ``degrees`` about its centre, bilinear, zeros outside."""
    t = math.radians(degrees)
    theta = torch.tensor([[math.cos(t), -math.sin(t), 0.0],
                          [math.sin(t), math.cos(t), 0.0]], dtype=x.dtype, device=x.device)
    grid = F.affine_grid(theta[None].expand(len(x), 2, 3), list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
