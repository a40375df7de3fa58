"""`gated`'s opt-in ``stripe_gate``: a dense image model the detector rates below its gate is
treated anyway where a striped perturbation reaches its suspect class (SIG's shape, which the
detector can rate low), and only there. Hand-wired models from ``test_gated_unlearn``."""

from __future__ import annotations

import pytest
from test_gated_dense_lr import Convolutional
from test_gated_unlearn import Clean, Striped, data, two_stages

from trojanscope.detect.base import ModelVerdict
from trojanscope.mitigate import gated, residual


def rated_low(monkeypatch, p: float = 0.15) -> None:
    """The detector rates the model below the gate (0.2), class 2 its first suspect."""
    verdict = ModelVerdict("auto", 0.0, [2, 0, 1], [], triggers={}, probability=p)
    monkeypatch.setattr(gated, "detector_verdict", lambda *a: verdict)


def test_a_stripe_opens_the_gate_on_a_dense_model_rated_low(monkeypatch) -> None:
    rated_low(monkeypatch)
    method = two_stages(unlearn=False, stripe_gate=0.5, stripe_top=1, stripe_eps=0.3)
    method.apply(Striped().eval(), data())
    assert method.treated
    seen = method.report_["stripe_gate"]
    assert seen["suspect"] == 2 and seen["reach"] >= 0.5
    assert seen["action"].startswith("opened: a stripe reached")


def test_with_zero_the_detector_alone_decides(monkeypatch) -> None:
    rated_low(monkeypatch)
    method = two_stages(unlearn=False, stripe_gate=0, dense_gate=-1)  # dense_gate off too
    method.apply(Striped().eval(), data())
    assert not method.treated and "stripe_gate" not in method.report_


def test_by_default_every_class_is_read_at_the_second_stages_bound(monkeypatch) -> None:
    rated_low(monkeypatch)  # the defaults since issue 12 stop 46 (h12c): 0.78, every class, 0.4
    method = gated.Gated()
    assert (method.stripe_gate, method.stripe_top, method.stripe_eps) == (0.78, 0, 0.4)
    seen: list[float] = []
    real = residual.perturbation_asr
    monkeypatch.setattr(residual, "perturbation_asr",
                        lambda m, f, v, c, eps: seen.append(eps) or real(m, f, v, c, eps))
    method = two_stages(unlearn=False)
    method.apply(Striped().eval(), data())
    gate = method.report_["stripe_gate"]
    assert set(gate["reach_top"]) == {0, 1, 2} and set(seen) == {0.4}
    assert method.treated == (gate["reach"] >= 0.78)


def test_a_clean_dense_model_rated_low_stays_untouched(monkeypatch) -> None:
    rated_low(monkeypatch)
    method = two_stages(unlearn=False, stripe_gate=0.5, stripe_top=1, stripe_eps=0.3,
                        dense_gate=-1)  # the stripe gate alone (dense_gate: stop 79)
    method.apply(Clean().eval(), data())
    assert not method.treated
    assert method.report_["stripe_gate"]["action"].startswith("closed: a stripe reached")
    assert "not treated" in method.report_["action"]


def test_a_convolutional_model_is_not_asked(monkeypatch) -> None:
    rated_low(monkeypatch)
    method = two_stages(unlearn=False, stripe_gate=0.5, stripe_top=1, stripe_eps=0.3)
    method.apply(Convolutional().eval(), data())
    assert not method.treated  # asked for, not done: said (review of stop 37)
    assert method.report_["stripe_gate"] == {"action": "skipped: dense image models only"}


def test_a_forced_run_says_the_stripe_gate_was_not_read(monkeypatch) -> None:
    rated_low(monkeypatch)
    method = two_stages(unlearn=False, stripe_gate=0.5, stripe_top=1, stripe_eps=0.3, force=True)
    method.apply(Striped().eval(), data())
    assert method.treated
    assert method.report_["stripe_gate"]["action"].startswith("skipped: force=1")


@pytest.mark.parametrize("bad", [-0.1, 1.5, float("nan")])
def test_stripe_gate_outside_its_range_is_refused(bad: float) -> None:
    with pytest.raises(ValueError, match="stripe_gate"):
        gated.Gated(stripe_gate=bad)
