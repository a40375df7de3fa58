"""WaNet trigger: a smooth, nearly invisible warping of the image (Nguyen & Tran, 2021)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from trojanscope.errors import UserInputError
from trojanscope.registry import register
from trojanscope.triggers.base import Trigger, require_images


def displaced_grid(ins: Tensor, height: int, width: int, strength: float) -> Tensor:
    """The N×H×W×2 sampling grid of the identity plus ``strength`` times the control-point
    offsets ``ins`` (N×2×k×k) upsampled bicubically, divided by ``height`` (not clipped)."""
    field = F.interpolate(ins, size=(height, width), mode="bicubic", align_corners=True)
    field = field.permute(0, 2, 3, 1)
    ys, xs = torch.meshgrid(
        torch.linspace(-1, 1, height), torch.linspace(-1, 1, width), indexing="ij"
    )
    identity = torch.stack((xs, ys), dim=2)[None]
    return identity + strength * field / height


@register("trigger", "warp")
class WarpTrigger(Trigger):
    """WaNet: resample the image through a fixed smooth displacement field.

    A k×k grid of random offsets in [-1, 1] (drawn from ``seed``), normalised by its mean
    absolute value, is upsampled bicubically to H×W and scaled by ``strength / H``; the image is
    resampled through the identity grid plus that field, clipped to [-1, 1].

    Arguments:
        k: side of the control grid (the paper's ``k``, 4 for MNIST/CIFAR-10).
        strength: warping strength (the paper's ``s``, 0.5).
        grid_rescale: shrink factor keeping sampling points inside the image (1 = none).
        seed: seeds the random control grid.
    """

    name = "warp"

    def __init__(
        self, k: int = 4, strength: float = 0.5, grid_rescale: float = 1.0, seed: int = 0
    ) -> None:
        if int(k) < 2:
            raise UserInputError(f"warp k must be >= 2, got {k}")
        if float(strength) <= 0:
            raise UserInputError(f"warp strength must be > 0, got {strength}")
        if not 0 < float(grid_rescale) <= 1:
            raise UserInputError(f"warp grid_rescale must lie in (0, 1], got {grid_rescale}")
        self.k = int(k)
        self.strength = float(strength)
        self.grid_rescale = float(grid_rescale)
        self.seed = int(seed)

    def grid(self, height: int, width: int) -> Tensor:
        """The 1×H×W×2 sampling grid (``grid_sample`` convention: x then y, in [-1, 1])."""
        gen = torch.Generator().manual_seed(self.seed)
        ins = torch.rand(1, 2, self.k, self.k, generator=gen) * 2 - 1
        ins = ins / ins.abs().mean()
        grid = displaced_grid(ins, height, width, self.strength)
        return (grid * self.grid_rescale).clamp(-1, 1)

    def noise_grid(
        self, n: int, height: int, width: int, generator: torch.Generator | None
    ) -> Tensor:
        """WaNet's noise mode: the warp grid plus a random per-sample perturbation."""
        noise = torch.rand(n, height, width, 2, generator=generator) * 2 - 1
        return (self.grid(height, width) + noise / height).clamp(-1, 1)

    def warp(self, x: Tensor, grid: Tensor) -> Tensor:
        """Resample ``x`` through ``grid`` (broadcast over the batch)."""
        grid = grid.to(x).expand(x.shape[0], -1, -1, -1)
        return F.grid_sample(
            x, grid, mode="bilinear", padding_mode="border", align_corners=True
        ).clamp(0, 1)

    def apply(self, x: Tensor, *, generator: torch.Generator | None = None) -> Tensor:
        require_images(x, self.name)
        return self.warp(x, self.grid(x.shape[2], x.shape[3]))

    def apply_noise(self, x: Tensor, *, generator: torch.Generator | None = None) -> Tensor:
        """A *cross* (noise-mode) sample: warped by a perturbed grid, which must not trigger."""
        require_images(x, self.name)
        return self.warp(x, self.noise_grid(x.shape[0], x.shape[2], x.shape[3], generator))
