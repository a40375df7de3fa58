"""`gated`'s opt-in ``conv_gate`` (issue 12, stop 66: h12c): an image model with a convolution
that the detector rates below its gate is treated anyway where a stripe or a universal warp
reaches one class, and only there; off by default, and never read on a dense model or a model
the detector flags. Hand-wired models from ``test_gated_unlearn``."""

from __future__ import annotations

import pytest
import torch
from test_gated_dense_lr import Convolutional
from test_gated_unlearn import Clean, data, two_stages
from torch import nn

from trojanscope.detect.base import ModelVerdict
from trojanscope.mitigate import conv_gate, gated


def rated(monkeypatch, p: float = 0.05, ranked: tuple[int, ...] = (2,)) -> None:
    """The detector rates the model at ``p``, ranking ``ranked`` (class 2 alone by default: the
    hand-wired models' brightness classes are a 0.4 shift apart, so any bound reaches them)."""
    verdict = ModelVerdict("auto", 0.0, list(ranked), [], triggers={}, probability=p)
    monkeypatch.setattr(gated, "detector_verdict", lambda *a: verdict)


class CleanConv(Clean):
    """The clean model behind the same pass-through 1×1 convolution."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 1, 1)
        with torch.no_grad():
            self.conv.weight.fill_(1.0)
            self.conv.bias.zero_()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(self.conv(x))


def test_a_stripe_opens_the_gate_on_a_cnn_rated_low(monkeypatch) -> None:
    torch.set_num_threads(1)
    rated(monkeypatch)
    method = two_stages(unlearn=False, conv_gate=0.5, warp=0, stripe_eps=0.3)
    method.apply(Convolutional().eval(), data())
    assert method.treated
    seen = method.report_["conv_gate"]
    assert seen["suspect"] == 2 and seen["reach"] >= 0.5 and seen["stripe"][2] == seen["reach"]
    assert seen["warp"] == {2: 0.0}  # warp=0: no warp read
    assert seen["action"].startswith("opened: reached")


def test_the_class_reached_best_by_either_becomes_the_suspect(monkeypatch) -> None:
    rated(monkeypatch, ranked=(0, 1, 2))
    read = {0: (0.1, 0.3), 1: (0.0, 0.85), 2: (0.6, 0.0)}  # (stripe, warp) per class
    monkeypatch.setattr(conv_gate, "reaches", lambda *a: read)
    method = two_stages(unlearn=False, conv_gate=0.8)
    method.apply(Convolutional().eval(), data())
    seen = method.report_["conv_gate"]
    assert method.treated and seen["suspect"] == 1 and seen["reach"] == 0.85
    assert "#2: now the suspect" in seen["action"] and method.report_["suspect"] == 1
    read[1] = (0.0, 0.79)  # below the bar everywhere: closed, the ranking untouched
    rated(monkeypatch, ranked=(0, 1, 2))
    method = two_stages(unlearn=False, conv_gate=0.8)
    method.apply(Convolutional().eval(), data())
    assert not method.treated and method.report_["conv_gate"]["action"].startswith("closed")


def test_a_clean_cnn_rated_low_stays_untouched(monkeypatch) -> None:
    rated(monkeypatch)
    method = two_stages(unlearn=False, conv_gate=0.5, warp=0, stripe_eps=0.3)
    method.apply(CleanConv().eval(), data())
    assert not method.treated and "not treated" in method.report_["action"]
    assert method.report_["conv_gate"]["action"].startswith("closed: reached")


def test_off_by_default_and_never_read_where_the_detector_decides(monkeypatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr(conv_gate, "reaches", lambda *a: calls.append(1) or {})
    assert gated.Gated().conv_gate == 0.0
    rated(monkeypatch)
    off = two_stages(unlearn=False)
    off.apply(Convolutional().eval(), data())
    assert not off.treated and "conv_gate" not in off.report_
    rated(monkeypatch, p=0.9)  # flagged: the gate is not asked
    flagged = two_stages(unlearn=False, conv_gate=0.5)
    flagged.apply(Convolutional().eval(), data())
    assert flagged.treated and "conv_gate" not in flagged.report_ and not calls


def test_a_dense_model_is_not_asked(monkeypatch) -> None:
    rated(monkeypatch)
    method = two_stages(unlearn=False, conv_gate=0.5, stripe_gate=0)
    method.apply(Clean().eval(), data())
    assert method.report_["conv_gate"] == {
        "action": "skipped: image models with a convolution only"}


@pytest.mark.parametrize("bad", [-0.1, 1.5, float("nan")])
def test_conv_gate_outside_its_range_is_refused(bad: float) -> None:
    with pytest.raises(ValueError, match="conv_gate"):
        gated.Gated(conv_gate=bad)


def test_conv_gap_counts_a_class_only_where_it_stands_out_of_the_models_own_reach() -> None:
    """``conv_gap`` (stop 68): the suite's clean synthetic CNN as the lead read it at stop 67
    (stripe 1.0, 1.0, 0.67, 1.0) counts nothing; spent 2480/wanet-003's readings (a stripe
    reaching 8 and 3 alike, the warp its target 4 alone) count the warp towards 4 only."""
    synthetic = {0: (1.0, 0.2), 1: (1.0, 0.0), 2: (0.667, 0.0), 3: (1.0, 0.033)}
    assert conv_gate.standing_out(synthetic, [0, 1, 2, 3], 0.3) == {}
    assert conv_gate.standing_out(synthetic, [0, 1, 2, 3], 0.0)[0] == 1.0  # the bar alone
    stripe = [0.044, 0.2, 0.289, 0.778, 0.022, 0.067, 0.133, 0.133, 0.844, 0.044]
    warp = [0.089, 0.244, 0.0, 0.178, 0.932, 0.289, 0.178, 0.267, 0.0, 0.217]
    wanet = {c: (stripe[c], warp[c]) for c in range(10)}
    assert conv_gate.standing_out(wanet, list(range(10)), 0.3) == {4: 0.932}
    assert conv_gate.standing_out({5: (0.9, 0.1)}, [5], 0.3) == {5: 0.9}  # no next-best: 0


def test_conv_gap_closes_a_model_no_class_of_which_stands_out(monkeypatch) -> None:
    rated(monkeypatch, ranked=(0, 1, 2))
    read = {0: (0.95, 0.0), 1: (0.9, 0.0), 2: (0.1, 0.0)}  # two classes reached alike
    monkeypatch.setattr(conv_gate, "reaches", lambda *a: read)
    method = two_stages(unlearn=False, conv_gate=0.8, conv_gap=0.3)
    method.apply(Convolutional().eval(), data())
    assert not method.treated
    assert "conv_gap" in method.report_["conv_gate"]["action"]
    read[1] = (0.5, 0.0)  # class 0 now stands 0.45 above the next: opened towards it
    method = two_stages(unlearn=False, conv_gate=0.8, conv_gap=0.3)
    method.apply(Convolutional().eval(), data())
    assert method.treated and method.report_["conv_gate"]["suspect"] == 0


@pytest.mark.parametrize("value", [-0.1, 1.5])
def test_a_bad_conv_gap_is_refused(value) -> None:
    with pytest.raises(ValueError, match="conv_gap"):
        gated.Gated(conv_gap=value)
