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


JITTER_SEED = 7  # the jitter field is fixed: the same for every input, model and run


def jitter(x: Tensor, scale: float = 1.0, seed: int = JITTER_SEED) -> Tensor:
    """``x`` (N×C×H×W) resampled through the identity grid plus a fixed random field, uniform in
    ``±scale / H`` of the normalised [-1, 1] grid per axis (about half a pixel at ``scale=1``;
    drawn from ``seed``), bilinear, borders replicated: the perturbation WaNet's noise mode adds
    to its warp (:meth:`~trojanscope.triggers.warp.WarpTrigger.noise_grid`), as one fixed field."""
    h, w = x.shape[2], x.shape[3]
    noise = torch.rand(1, h, w, 2, generator=torch.Generator().manual_seed(seed)) * 2 - 1
    ys, xs = torch.meshgrid(torch.linspace(-1, 1, h), torch.linspace(-1, 1, w), indexing="ij")
    grid = (torch.stack((xs, ys), 2)[None] + noise * scale / h).clamp(-1, 1)
    return F.grid_sample(x, grid.to(x).expand(len(x), -1, -1, -1), mode="bilinear",
                         padding_mode="border", align_corners=True).clamp(0, 1)
