"""Review of issue 9, stop 40 (the frame probe on every image model): which models read it,
and that a CNN whose frame gap the shipped term raises gets its class's trigger recovered."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.calibration import calibrate, load_calibrators

STOP49 = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "calibration_stop49.json"


def _images(c: int, n: int = 60, k: int = 3, side: int = 8) -> TensorDataset:
    """n images c×side×side: the ring always 0, class y's row bright."""
    g = torch.Generator().manual_seed(0)
    y = torch.arange(n) % k
    x = torch.zeros(n, c, side, side)
    x[torch.arange(n), :, 2 + y, 2:6] = 0.5 + 0.5 * torch.rand(n, 1, 4, generator=g)
    return TensorDataset(x, y, tuple(str(i) for i in range(k)))


class _Nested(nn.Module):
    """A convolution inside a submodule (a block), the head a Linear."""

    def __init__(self, c: int) -> None:
        super().__init__()
        self.block = nn.Sequential(nn.Sequential(nn.Conv2d(c, 2, 3), nn.ReLU()))
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(72, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.block(x))


@pytest.mark.parametrize("c", [1, 3])
@pytest.mark.parametrize("kind", ["plain", "traced", "script"])
def test_a_nested_convolution_reads_as_not_dense_and_gets_the_frame_probe(c, kind) -> None:
    from trojanscope.detect.auto import AutoDetector

    torch.manual_seed(0)
    model = _Nested(c).eval()
    data = _images(c)
    if kind == "traced":
        model = torch.jit.trace(model, data.x[:2])
    elif kind == "script":
        model = torch.jit.script(model)
    v = AutoDetector(probes="never").inspect(model, data, seed=3)
    assert v.features["first_layer_dense"] == 0.0
    assert 0.0 <= v.features["frame_share_gap"] <= 1.0


def test_a_1d_convolution_on_sequences_runs_no_image_probe(monkeypatch) -> None:
    """Input C×L (not an image): no frame, empty or pixel probe, no ``first_layer_dense``.
    (The trigger recovery itself needs C×H×W and fails on C×L before and after stop 40: it is
    stubbed here, the probes' scope being what this reads.)"""
    from trojanscope.detect.auto import AutoDetector
    from trojanscope.detect.trigger_search import TriggerSearch

    monkeypatch.setattr(TriggerSearch, "recover", lambda *_a: ({}, {}))

    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv1d(2, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 14, 3)).eval()
    g = torch.Generator().manual_seed(1)
    y = torch.arange(60) % 3
    x = torch.zeros(60, 2, 16)
    x[torch.arange(60), 0, y] = 1.0 + torch.rand(60, generator=g)
    v = AutoDetector(probes="never").inspect(model, TensorDataset(x, y, ("a", "b", "c")),
                                               seed=3)
    assert not any(k.startswith(("frame_", "empty_", "pixel_")) for k in v.features)
    assert "first_layer_dense" not in v.features


def test_the_frame_hint_on_a_cnn_is_the_shipped_cnn_start() -> None:
    """The hint (the probe's class becomes a suspect, its trigger recovered) equals the shipped
    ``auto:raise:frame`` start with a convolution and without, as the empty-pixel hints do."""
    from trojanscope.detect.frame import FRAME_GAP_HINT, FRAME_GAP_HINT_CONV

    term = load_calibrators()["auto:raise:frame"]
    assert term.fitted_on["start"] == FRAME_GAP_HINT_CONV
    assert term.fitted_on["start_dense"] == FRAME_GAP_HINT


def test_a_cnn_raised_by_the_frame_term_has_its_class_trigger_recovered(monkeypatch) -> None:
    """Review of stop 40: the hint stayed at the MLP start (0.43) while the term raises a CNN
    beyond 0.32, so a CNN at 0.38 had its frame class named the suspect with no trigger
    recovered for it (unless MM-BD already ranked it in its top three)."""
    import trojanscope.detect.auto as auto

    torch.manual_seed(0)
    data = _images(1, k=6)
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(72, 6)).eval()
    plain = auto.AutoDetector(frame=False, probes="never").inspect(model, data, seed=3)
    outside = next(c for c in range(6) if c not in plain.target_classes[:3])
    monkeypatch.setattr(auto, "frame_features", lambda *_a: {
        "frame_share_gap": 0.38, "frame_top_class": float(outside)})
    v = auto.AutoDetector(empty=False, pixels=False, probes="never").inspect(model, data, seed=3)
    assert outside in v.triggers  # recovered: the raise below names it the suspect
    # the stop-49 file (its committed copy) raises a ReLU CNN from 0.32
    cal = calibrate(v, load_calibrators(STOP49))
    assert cal.features["raise_logit_frame"] > 0 and cal.target_classes[0] == outside
