"""`gated`'s ``mask_dark`` (issue 12 stop 74, h12s): where ``dense_mask`` unlearns a mask, half
the stamped copies (``DARK_COPIES``) also have a random share of their other pixels set to 0 (a
random mask's black half, which no reading sees); 0 keeps every copy, and so the model, as
before. 0.5 is the default since stop 74 (its rule met on fresh zoos 2507/2508)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from trojanscope import registry
from trojanscope.data.dataset import TensorDataset
from trojanscope.mitigate import dense_mask as dm
from trojanscope.mitigate.gated import Gated


def copies(monkeypatch, dark: float) -> torch.Tensor:
    """The stamped copies ``unlearn_mask`` hands ``distil_fit`` for 64 grey 8x8 images, the mask
    the top two rows."""
    got = {}
    monkeypatch.setattr(dm, "distil_fit",
                        lambda *a, perturb, **k: got.update(perturb=perturb))
    x = torch.full((64, 1, 8, 8), 0.5)
    clean = TensorDataset(x, torch.arange(64) % 2, ["a", "b"], "grey", "test")
    mask = torch.zeros(1, 8, 8)
    mask[0, :2] = 1
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 2))
    dm.unlearn_mask(model, clean, mask, 0, 1, None, dark)
    return got["perturb"](model, x)


def test_mask_dark_sets_a_share_of_each_copys_other_pixels_to_zero(monkeypatch) -> None:
    dark = copies(monkeypatch, 0.9)
    outside = dark[:, :, 2:]
    assert set(outside.unique().tolist()) == {0.0, 0.5}  # some darkened, the rest as they were
    shares = (outside == 0).float().mean((1, 2, 3))
    assert float(shares.max()) <= 0.9 + 0.1 and float(shares.std()) > 0.05  # a share per copy
    assert 10 <= int((shares == 0).sum()) <= 54  # about half the copies stamped only
    assert float(dark[:, :, :2].max()) == 1.0  # the stamp is still white
    plain = copies(monkeypatch, 0.0)
    assert (plain[:, :, 2:] == 0.5).all()  # off: nothing outside the mask changes
    assert torch.equal(plain[:, :, :2] == 1, copies(monkeypatch, 0.0)[:, :, :2] == 1)


def test_mask_dark_is_a_share_on_by_default() -> None:
    assert Gated().mask_dark == 0.5
    assert registry.create("mitigation", "gated").get_params()["mask_dark"] == 0.5
    assert registry.create("mitigation", "gated", mask_dark=0).mask_dark == 0.0
    for bad in (-0.1, 1.5):
        with pytest.raises(ValueError, match="mask_dark"):
            Gated(mask_dark=bad)


def test_the_default_gated_darkens_the_copies_and_zero_does_not(monkeypatch) -> None:
    """With no option, the planted MLP's mask is unlearnt with darkened copies (the note says
    so), and the model differs from ``mask_dark=0``'s (stop 73's default)."""
    from test_gated_dense_mask import clean_set, flagged, mlp

    from trojanscope.mitigate import gated

    torch.set_num_threads(1)
    monkeypatch.setattr(gated, "detector_verdict", lambda *a: flagged())
    dark, plain = Gated(dense_mask=4), Gated(dense_mask=4, mask_dark=0)
    out = dark.purify(mlp(True), clean_set(), 0)
    assert "darkened up to 0.5" in dark.report_["dense_mask"]["action"]
    base = plain.purify(mlp(True), clean_set(), 0)
    assert "darkened" not in plain.report_["dense_mask"]["action"]
    assert any(not torch.equal(a, b) for a, b in zip(out.state_dict().values(),
                                                      base.state_dict().values(), strict=True))
