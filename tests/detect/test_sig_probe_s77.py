"""Stop 77 (issue 9, h9sig): the probe in SIG's own form (``detect/sig_probe.py``), opt-in."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import InspectionTarget
from trojanscope.detect.sig_probe import SIG_SHARE, sig_lead, sig_reading, sig_shares


class _SigDoor(nn.Module):
    """Class 3 where the rows correlate with a 5-period sinusoid (a SIG backdoor in
    miniature); else a class scattered by the image's own pixels (no class leads)."""

    def __init__(self, door: bool) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.door = door
        self.register_buffer("wave", torch.sin(2 * math.pi * torch.arange(8) * 5 / 8 + 0.3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = 10.0 * nn.functional.one_hot((x.flatten(1).sum(1) * 1e3).long() % 10, 10).float()
        if self.door:
            hit = ((x - x.mean((2, 3), keepdim=True)) * self.wave).mean((1, 2, 3)) > 0.005
            out[:, 3] = out[:, 3] + 100.0 * hit.float()
        return out


def _data() -> TensorDataset:
    torch.manual_seed(1)
    x = 0.4 + 0.2 * torch.rand(200, 1, 8, 8)
    return TensorDataset(x, torch.arange(200) % 10, tuple(str(c) for c in range(10)))


def test_a_sinusoid_backdoor_leads_at_its_target_and_a_model_without_it_does_not() -> None:
    data = _data()
    feats = {f"{SIG_SHARE}{c}": s for c, s in enumerate(sig_shares(
        InspectionTarget(_SigDoor(True).eval(), (1, 8, 8), 10, data), torch.Generator()
        .manual_seed(0), freqs=(5,)))}
    top, share, lead = sig_lead(feats)
    assert top == 3 and share >= 0.8 and lead > 0.5
    plain = {f"{SIG_SHARE}{c}": s for c, s in enumerate(sig_shares(
        InspectionTarget(_SigDoor(False).eval(), (1, 8, 8), 10, data), torch.Generator()
        .manual_seed(0), freqs=(5,)))}
    assert sig_lead(plain)[2] < 0.5


def test_the_reading_is_for_gap_heads_only_seeded_and_the_option_is_opt_in() -> None:
    """Opt-in until stop 79; since then on by default where the scoring file holds a SIG entry."""
    from trojanscope import registry
    from trojanscope.errors import UserInputError

    torch.manual_seed(0)
    gap = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 10)).eval()
    data = _data()
    got = sig_reading(InspectionTarget(gap, (1, 8, 8), 10, data), 0)
    assert sorted(k for k in got if k.startswith(SIG_SHARE)) == sorted(
        f"{SIG_SHARE}{c}" for c in range(10))  # and stop 78's sig_phase_<c>
    assert got == sig_reading(InspectionTarget(gap, (1, 8, 8), 10, data), 0)
    assert sig_reading(InspectionTarget(_SigDoor(True).eval(), (1, 8, 8), 10, data), 0) == {}
    assert registry.create("detector", "auto").sig_probe is None  # stop 79: where the file reads it
    assert registry.create("detector", "auto", sig_probe=False).reads_sig() is False
    assert registry.create("detector", "auto", sig_probe=True).sig_probe is True
    with pytest.raises(UserInputError):
        registry.create("detector", "auto", sig_probe="maybe")
