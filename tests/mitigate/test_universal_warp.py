"""The universal warp the second stage can unlearn (`gated:warp=...`): it starts as the identity,
is fitted towards a class within its bound, and reaches a model keyed to a warp, which a
universal additive perturbation of the stage's size does not have the shape of."""

from __future__ import annotations

import torch
from torch import nn

from trojanscope.mitigate.universal_warp import UniversalWarp
from trojanscope.triggers.warp import WarpTrigger

SIDE = 12


class RightHeavy(nn.Module):
    """Class 1 when more of the image's mass lies right of centre than in a clean image."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        cols = torch.linspace(-1, 1, x.shape[-1])
        centre = (x.sum((1, 2)) * cols).sum(1) / x.sum((1, 2, 3)).clamp_min(1e-6)
        score = 40 * (centre - 0.05)
        return torch.stack([-score, score], 1)


def images() -> torch.Tensor:
    gen = torch.Generator().manual_seed(0)
    x = torch.zeros(16, 1, SIDE, SIDE)
    x[:, :, 3:9, 4:8] = 0.5 + 0.5 * torch.rand(16, 1, 6, 4, generator=gen)
    return x


def test_zero_offsets_leave_images_as_they_are() -> None:
    x = images()
    assert torch.allclose(UniversalWarp([1], SIDE, SIDE, 2.0).apply(x, 0), x, atol=1e-5)


def test_the_warp_is_fitted_towards_its_class_within_its_bound() -> None:
    model, x = RightHeavy(), images()
    warps = UniversalWarp([1], SIDE, SIDE, 3.0)
    assert warps.success(model, x, 0) == 0.0
    for _ in range(5):
        warps.push(model, x, 0, steps=2)
    assert warps.success(model, x, 0) == 1.0
    assert float(warps.offsets.abs().max()) <= 3.0


def test_the_grid_of_the_wanet_trigger_is_unchanged_by_the_shared_helper() -> None:
    grid = WarpTrigger(strength=0.5, seed=3).grid(SIDE, SIDE)
    gen = torch.Generator().manual_seed(3)
    ins = torch.rand(1, 2, 4, 4, generator=gen) * 2 - 1
    ins = ins / ins.abs().mean()
    field = nn.functional.interpolate(ins, size=(SIDE, SIDE), mode="bicubic", align_corners=True)
    ys, xs = torch.meshgrid(torch.linspace(-1, 1, SIDE), torch.linspace(-1, 1, SIDE),
                            indexing="ij")
    expected = (torch.stack((xs, ys), 2)[None] + 0.5 * field.permute(0, 2, 3, 1) / SIDE)
    assert torch.equal(grid, expected.clamp(-1, 1))
