"""PatchCleanser double masking: the mask set covers every patch position, and a certified
input keeps its label under any patch (checked with random patch contents at every position)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from trojanscope.certify.patch import (
    certify_patch,
    defended_prediction,
    double_mask_predictions,
    mask_set,
)


@pytest.mark.parametrize(("size", "patch", "per_side"), [(28, 4, 6), (8, 3, 2), (9, 1, 4)])
def test_every_patch_position_is_covered(size: int, patch: int, per_side: int) -> None:
    masks = mask_set(size, size, patch, per_side)
    for r in range(size - patch + 1):
        for c in range(size - patch + 1):
            square = torch.zeros(size, size, dtype=torch.bool)
            square[r : r + patch, c : c + patch] = True
            assert ((masks & square).sum((1, 2)) == patch * patch).any(), (r, c)


def _model() -> nn.Module:
    """A fixed linear classifier on 8x8 inputs: some inputs certify, others do not."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 3))
    with torch.no_grad():
        model[1].bias.copy_(torch.tensor([0.4, 0.0, 0.0]))
    return model.eval()


def test_certified_inputs_survive_any_patch() -> None:
    model, patch = _model(), 2
    gen = torch.Generator().manual_seed(1)
    x = torch.rand(12, 1, 8, 8, generator=gen)
    cert = certify_patch(model, x, patch, per_side=3)
    assert cert.certified.any() and not cert.certified.all()  # a real mix, not a trivial case
    masks = mask_set(8, 8, patch, 3)
    for i in torch.nonzero(cert.certified).flatten().tolist():
        for r in range(8 - patch + 1):
            for c in range(8 - patch + 1):
                attacked = x[i].clone()
                attacked[:, r : r + patch, c : c + patch] = torch.rand(
                    1, patch, patch, generator=gen
                ).round()
                grid = double_mask_predictions(model, attacked, masks, 0.0)
                assert defended_prediction(grid) == int(cert.prediction[i])


def test_defended_prediction_rules() -> None:
    agree = torch.full((3, 3), 2)
    assert defended_prediction(agree) == 2
    grid = torch.full((3, 3), 1)
    grid[0, :] = grid[:, 0] = 0
    grid[0, 0] = 0  # mask 0 removes a patch: its row is unanimous for 0
    assert defended_prediction(grid) == 0
