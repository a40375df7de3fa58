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
    method = two_stages(unlearn=False, stripe_gate=0.5, stripe_top=1, stripe_eps=0.3,
                        dense_gate=-1)  # the stripe gate alone (dense_gate: stop 79)
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


def test_a_whole_float_stripe_top_is_a_slice_bound(monkeypatch) -> None:
    """From Python (no CLI coercion) ``stripe_top=3.0`` is 3: it slices the ranking."""
    rated_low(monkeypatch, [0, 2, 1])
    method = gated.Gated(stripe_top=3.0, stripe_gate=0.5, stripe_eps=0.3, unlearn=False)
    assert method.stripe_top == 3 and isinstance(method.stripe_top, int)
    method.inner = two_stages(unlearn=False).inner
    method.apply(Striped().eval(), data())
    assert method.treated and method.report_["suspect"] == 2


def test_stripe_eps_is_the_gate_bound(monkeypatch) -> None:
    """A stripe bounded at 0.02 per pixel reaches nothing where 0.3 (``probe_eps``) opens."""
    rated_low(monkeypatch, [2, 0, 1])
    opened = two_stages(unlearn=False, stripe_gate=0.5, stripe_top=1, stripe_eps=0.3)
    opened.apply(Striped().eval(), data())
    small = two_stages(unlearn=False, stripe_gate=0.5, stripe_top=1, stripe_eps=0.02,
                       dense_gate=-1)  # the stripe gate alone (dense_gate: stop 79)
    small.apply(Striped().eval(), data())
    assert opened.treated and opened.report_["stripe_gate"]["reach"] >= 0.5
    assert not small.treated and small.report_["stripe_gate"]["reach"] < 0.5


def test_a_model_the_stripe_gate_opened_is_not_hand_checked(monkeypatch) -> None:
    """The merged order (review of stop 46): the stripe gate opens only below ``gate``, so
    ``hand_check`` (p >= 0.9) never overrules the probe's hand-back of such a model; with the
    gate above the bar, a stripe-opened model at p 0.92 is hand-checked (its suspect re-ranked)."""
    from test_nothing_left import NOTHING
    from test_stripe_projection import stages_run

    from trojanscope.mitigate import residual

    monkeypatch.setattr(residual, "residual", lambda *a, **k: dict(NOTHING))
    calls = stages_run(monkeypatch)
    rated_low(monkeypatch, [0, 2, 1])  # p 0.15 < gate 0.2
    method = two_stages(stripe_gate=0.5, stripe_top=3, stripe_eps=0.3, dense_project=0,
                        warp=0)
    method.apply(Striped().eval(), data())
    assert method.report_["suspect"] == 2 and "hand_check" not in method.report_
    assert not calls and not method.treated  # the probe's hand-back stands: the original
    rated_low(monkeypatch, [0, 2, 1], p=0.92)
    high = two_stages(gate=0.95, stripe_gate=0.5, stripe_top=3, stripe_eps=0.3,
                      dense_project=0, warp=0)
    high.apply(Striped().eval(), data())
    assert high.report_["suspect"] == 2 and "hand_check" in high.report_ and calls
