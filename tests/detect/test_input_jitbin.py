"""The ``jitbin`` consistency transform (a fixed half-pixel jitter, then binarisation: the
default menu's fifth entry since stop 32) and ``max_transforms``, the most transforms ``auto``
keeps (the first of the menu that pass)."""

from __future__ import annotations

import pytest
import torch

from trojanscope import registry
from trojanscope.detect.input_level.consistency import AUTO_MENU, TRANSFORMS, choose_transforms
from trojanscope.detect.input_level.resample import jitter


def test_jitter_is_a_fixed_small_resampling() -> None:
    x = torch.rand(3, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    out = jitter(x)
    assert torch.equal(out, jitter(x)) and not torch.allclose(out, x, atol=1e-3)
    assert torch.allclose(jitter(x, 0.0), x, atol=1e-4)
    assert torch.allclose(jitter(torch.full_like(x, 0.3)), torch.full_like(x, 0.3))
    # a pixel's value comes from its own neighbourhood: a single bright pixel stays put
    dot = torch.zeros(1, 1, 28, 28)
    dot[0, 0, 14, 14] = 1.0
    moved = jitter(dot)[0, 0]
    assert moved[13:16, 13:16].sum() > 0.5 * moved.sum() > 0
    assert set(TRANSFORMS["jitbin"](x).unique().tolist()) <= {0.0, 1.0}


class BlockReader(torch.nn.Module):
    """Class 0 when pixel ``at`` is bright; the inputs carry a 3×3 bright block on rows and
    columns 3-5: its centre survives every transform, its corner not the median."""

    def __init__(self, at: tuple[int, int] = (4, 4)) -> None:
        super().__init__()
        self.at = at

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        p = x[:, 0, self.at[0], self.at[1]]
        return torch.stack([4 * p, torch.full_like(p, 2.0)], 1)


def _block_inputs() -> torch.Tensor:
    x = torch.rand(40, 1, 9, 9, generator=torch.Generator().manual_seed(0)) * 0.2
    x[::2, 0, 3:6, 3:6] = 1.0
    return x


def test_jitbin_is_the_default_menus_fifth_entry() -> None:
    assert AUTO_MENU == ("median", "blur", "binarise", "rotbin", "jitbin")
    default = registry.create("input-detector", "mahalanobis")
    assert default.max_transforms == 4 and default.forward_passes_per_input == 5


def test_auto_keeps_at_most_max_transforms_in_menu_order() -> None:
    x, model = _block_inputs(), BlockReader()
    with torch.no_grad():
        logits = model(x)
        assert choose_transforms(model, x, logits) == AUTO_MENU[:4]  # at most 4: no jitbin
        assert choose_transforms(model, x, logits, most=5) == AUTO_MENU
        assert choose_transforms(model, x, logits, most=2) == AUTO_MENU[:2]
    det = registry.create("input-detector", "mahalanobis")
    det.fit(model, x, generator=torch.Generator().manual_seed(0))
    assert det.transforms_ == AUTO_MENU[:4] and det.forward_passes_per_input == 5
    assert not any("left out" in n for n in det.notes_)  # jitbin was not tried, not refused
    with pytest.raises(ValueError, match="max_transforms"):
        registry.create("input-detector", "mahalanobis", max_transforms=-1)


def test_a_transform_left_out_makes_room_for_jitbin() -> None:
    """The corner of the block does not survive the median: ``auto`` leaves it out and, with
    room for a fourth, keeps ``jitbin`` (5 passes, as a model keeping the first four)."""
    x, model = _block_inputs(), BlockReader(at=(5, 5))
    det = registry.create("input-detector", "mahalanobis")
    det.fit(model, x, generator=torch.Generator().manual_seed(0))
    assert det.transforms_ == ("blur", "binarise", "rotbin", "jitbin")
    assert det.forward_passes_per_input == 5
    assert any("median left out" in n for n in det.notes_)
    old = registry.create("input-detector", "mahalanobis", menu="median+blur+binarise+rotbin")
    old.fit(model, x, generator=torch.Generator().manual_seed(0))
    assert old.transforms_ == ("blur", "binarise", "rotbin")  # the seventh round's auto
