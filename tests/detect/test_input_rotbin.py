"""The ``rotbin`` consistency transform (a 5° re-warp, then binarisation) and the Mahalanobis
detector's ``menu`` (what ``transforms="auto"`` chooses from)."""

from __future__ import annotations

import pytest
import torch

from trojanscope import registry
from trojanscope.detect.input_level import fit_guard
from trojanscope.detect.input_level.consistency import (
    AUTO_MENU,
    TRANSFORMS,
    probability_drops,
)
from trojanscope.detect.input_level.resample import rotate


def test_rotate_is_a_rotation_about_the_centre() -> None:
    x = torch.rand(3, 2, 8, 8, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(rotate(x, 0.0), x, atol=1e-6)
    assert torch.allclose(rotate(x, 90.0), torch.rot90(x, 1, (2, 3)), atol=1e-5)
    small = rotate(x, 5.0)
    assert small.shape == x.shape and not torch.allclose(small, x, atol=1e-3)


def test_rotbin_is_binary_and_keeps_a_round_shape() -> None:
    """A disc is unchanged by a rotation about its centre, up to the pixels on its rim."""
    ys, xs = torch.meshgrid(torch.arange(28.0), torch.arange(28.0), indexing="ij")
    disc = (((ys - 13.5) ** 2 + (xs - 13.5) ** 2) < 64).float()[None, None]
    out = TRANSFORMS["rotbin"](disc)
    assert set(out.unique().tolist()) <= {0.0, 1.0}
    assert float((out != disc).float().sum()) <= 8  # of 201 disc pixels


class GreyReader(torch.nn.Module):
    """Class 1 (the 'target') when many pixels are grey (neither dark nor bright), as a warp
    drawn by bilinear resampling leaves them; class 0 otherwise."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        grey = ((x > 0.1) & (x < 0.9)).float().mean(dim=(1, 2, 3))
        return torch.stack([torch.full_like(grey, 0.02), grey], 1) * 100


def test_rotbin_column_separates_resampled_from_binary_inputs() -> None:
    """Binary inputs keep their class under rotbin (its output is binary too); inputs whose
    prediction rests on resampling greys lose it — the drop is large for them only."""
    gen = torch.Generator().manual_seed(1)
    clean = (torch.rand(40, 1, 28, 28, generator=gen) > 0.7).float()
    warped = rotate(clean, 20.0)  # bilinear: many grey pixels
    model = GreyReader()
    with torch.no_grad():
        assert (model(clean).argmax(1) == 0).all() and (model(warped).argmax(1) == 1).all()
        drop_clean = probability_drops(model, clean, model(clean), ("rotbin",))[:, 0]
        drop_warped = probability_drops(model, warped, model(warped), ("rotbin",))[:, 0]
    assert float(drop_clean.abs().max()) < 1e-6
    assert float(drop_warped.min()) > 1.0


def test_menu_sets_what_auto_chooses_from(backdoored_run, tiny_test) -> None:
    assert "rotbin" in AUTO_MENU and len(AUTO_MENU) == 5  # jitbin fifth (stop 32)
    default = registry.create("input-detector", "mahalanobis")
    assert default.forward_passes_per_input == 5  # the goal's most
    old = registry.create("input-detector", "mahalanobis", menu="median+blur+binarise")
    assert old.menu == ("median", "blur", "binarise") and old.forward_passes_per_input == 4
    for bad in ("median,sharpen", "", "auto"):
        with pytest.raises(ValueError, match=r"transform|menu"):
            registry.create("input-detector", "mahalanobis", menu=bad)
    model, x = backdoored_run.model.eval(), tiny_test.x
    with torch.no_grad():
        guard = fit_guard(model, old, x, generator=torch.Generator().manual_seed(0))
    assert set(guard.detector.transforms_) <= {"median", "blur", "binarise"}
    assert guard.detector.resolved_params()["menu"] == ["median", "blur", "binarise"]
