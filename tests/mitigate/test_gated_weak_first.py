"""`gated`'s ``weak_first``: the first stage's model comes back, and no second stage runs, where
the residual probe found a backdoor left only through a weak reversed trigger (and the striped
perturbation is under ``residual``); default ``WEAK`` (0.5) since issue 12 stop 42; 0: off.
Hand-wired models from ``test_gated_unlearn``."""

from __future__ import annotations

import pytest
import torch
from test_gated_unlearn import Clean, data, two_stages
from test_nothing_left import Marked, flag
from test_stripe_projection import stages_run

from trojanscope.mitigate import residual
from trojanscope.mitigate.nothing_left import WEAK, weak_evidence

# what the probe read on zoo-2408's sig-007 (p 0.992): a trigger that sent 0.22 before FT-SAM
SIG_007 = {"trigger_before": 0.222, "trigger_after": 0.089, "kept": 0.4, "perturbation": 0.0}
# zoo-2408's badnets-000: a real trigger (0.60 before)
BADNETS = {"trigger_before": 0.6, "trigger_after": 0.4, "kept": 0.667, "perturbation": 0.2}


@pytest.mark.parametrize(("probe", "weak", "expected"), [
    (SIG_007, WEAK, True),
    (SIG_007, 0.0, False),                              # off
    (SIG_007, 0.2, False),                              # a bound under the trigger's reading
    ({**SIG_007, "perturbation": 0.2}, WEAK, False),    # the stripe still sends: SIG evidence
    (BADNETS, WEAK, False),
])
def test_weak_evidence(probe, weak, expected) -> None:
    assert weak_evidence(probe, weak, 0.2) is expected


@pytest.mark.parametrize(("reading", "weak_first", "stage_runs"), [
    (SIG_007, WEAK, False),
    (SIG_007, 0.0, True),                              # off: the stage runs
    ({**SIG_007, "trigger_before": 0.6}, WEAK, True),  # a strong trigger's fall is evidence
])
def test_a_weak_trigger_alone_returns_the_first_stage_s_model(monkeypatch, reading, weak_first,
                                                              stage_runs) -> None:
    model, clean = Clean().eval(), data()
    monkeypatch.setattr(residual, "residual", lambda *a, **k: dict(reading))
    calls = stages_run(monkeypatch)
    flag(monkeypatch, 0.99)
    method = two_stages(weak_first=weak_first, dense_project=0, warp=0, candidates=False,
                        check=False)
    method.inner = Marked()
    out = method.apply(model, clean)
    assert bool(calls) is stage_runs
    assert method.treated
    assert not torch.equal(out.out.bias, model.out.bias)  # the first stage's mark is kept
    skipped = "weak evidence" in str(method.report_["unlearn"].get("action"))
    assert skipped is not stage_runs


@pytest.mark.parametrize("value", [-0.1, 1.5, float("nan")])
def test_a_bad_weak_first_is_refused(value) -> None:
    with pytest.raises(ValueError, match="weak_first"):
        two_stages(weak_first=value)


def test_the_default_is_weak(monkeypatch) -> None:
    assert two_stages().weak_first == WEAK == 0.5
    monkeypatch.setattr(residual, "residual", lambda *a, **k: dict(SIG_007))
    calls = stages_run(monkeypatch)
    flag(monkeypatch, 0.99)
    method = two_stages(dense_project=0, warp=0)
    method.apply(Clean().eval(), data())
    assert not calls and "weak evidence" in method.report_["unlearn"]["action"]


def test_without_a_first_stage_the_note_does_not_claim_one(monkeypatch) -> None:
    """``dense_then=0`` on a dense model: no first stage ran, so the hand-back is the model as
    it came to the second stage, and the note says so (hR4, stop 43)."""
    model, clean = Clean().eval(), data()
    monkeypatch.setattr(residual, "residual", lambda *a, **k: dict(SIG_007))
    calls = stages_run(monkeypatch)
    flag(monkeypatch, 0.99)
    method = two_stages(dense_then=0, dense_project=0, warp=0, candidates=False, check=False)
    method.inner = Marked()
    out = method.apply(model, clean)
    assert not calls and method.report_["first_stage"].startswith("skipped")
    assert torch.equal(out.out.bias, model.out.bias)  # Marked never ran
    action = method.report_["unlearn"]["action"]
    assert "weak evidence" in action and "first stage's model" not in action
    assert "dense_then=0" in action
