"""`gated`'s ``stripe_top``: the stripe gate reads the detector's top K classes, opens on the one
the stripe reaches best, and makes it the suspect of both stages (a SIG target the detector
ranked second). Hand-wired models from ``test_gated_unlearn``; torch on one thread."""

from __future__ import annotations

import pytest
import torch
from test_gated_unlearn import Striped, data, two_stages

from trojanscope.detect.base import ModelVerdict
from trojanscope.mitigate import gated

torch.set_num_threads(1)


def rated_low(monkeypatch, ranked: list[int], p: float = 0.15) -> None:
    """The detector rates the model below the gate (0.2), its classes ranked ``ranked``."""
    verdict = ModelVerdict("auto", 0.0, list(ranked), [], triggers={}, probability=p)
    monkeypatch.setattr(gated, "detector_verdict", lambda *a: verdict)


def test_the_first_suspect_alone_misses_a_target_ranked_second(monkeypatch) -> None:
    rated_low(monkeypatch, [0, 2, 1])  # the stripe's class, 2, ranked second
    method = two_stages(unlearn=False, stripe_gate=0.5, stripe_top=1, stripe_eps=0.3)
    method.apply(Striped().eval(), data())
    assert not method.treated
    assert method.report_["stripe_gate"]["suspect"] == 0
    assert "reach_top" not in method.report_["stripe_gate"]


def test_the_top_classes_open_the_gate_and_the_reached_class_becomes_the_suspect(
        monkeypatch) -> None:
    rated_low(monkeypatch, [0, 2, 1])
    method = two_stages(unlearn=True, eps=0.3, stripe_gate=0.5, stripe_top=3, stripe_eps=0.3)
    method.apply(Striped().eval(), data())
    assert method.treated
    seen = method.report_["stripe_gate"]
    assert seen["suspect"] == 2 and seen["reach"] >= 0.5
    assert set(seen["reach_top"]) == {0, 2, 1} and seen["reach_top"][0] < 0.5
    assert "now the suspect" in seen["action"]
    assert method.report_["suspect"] == 2
    assert method.report_["unlearn"]["suspects"][0] == 2


def test_every_class_is_read_with_zero(monkeypatch) -> None:
    rated_low(monkeypatch, [0, 2, 1])  # every class read, the first best-reached wins
    method = two_stages(unlearn=False, stripe_gate=0.5, stripe_top=0, stripe_eps=0.3)
    method.apply(Striped().eval(), data())
    assert method.treated
    assert set(method.report_["stripe_gate"]["reach_top"]) == {0, 1, 2}
    assert method.report_["suspect"] == 2


@pytest.mark.parametrize("bad", [4, 1.5, -1])
def test_stripe_top_outside_its_range_is_refused(bad: float) -> None:
    with pytest.raises(ValueError, match="stripe_top"):
        gated.Gated(stripe_top=bad)
