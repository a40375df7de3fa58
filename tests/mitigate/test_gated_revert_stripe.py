"""`gated`'s ``revert_stripe`` (opt-in, :mod:`trojanscope.mitigate.revert_stripe`): before the
probe's revert hands a dense image model back, a class other than the detector's suspect that
a striped perturbation reaches on the original (and still on the first stage's model) becomes
the suspect and the probe reads again. Hand-wired models from ``test_gated_unlearn``."""

from __future__ import annotations

import pytest
import torch
from test_gated_unlearn import Striped, data, two_stages
from test_nothing_left import NOTHING
from test_stripe_projection import stages_run

from trojanscope.detect.base import ModelVerdict
from trojanscope.mitigate import gated, residual
from trojanscope.mitigate import revert_stripe as rs

torch.set_num_threads(1)

LEFT = {"trigger_before": 0.0, "trigger_after": 0.0, "kept": 1.0, "perturbation": 0.9}


def wrong_suspect(monkeypatch) -> None:
    """The detector flags the model at p 0.34 with class 0 first (its stripe goes to 2)."""
    verdict = ModelVerdict("auto", 0.0, [0, 2, 1], [], triggers={}, probability=0.34)
    monkeypatch.setattr(gated, "detector_verdict", lambda *a: verdict)


def probe_by_class(monkeypatch) -> list[int]:
    """The probe reads nothing left towards class 0, a stripe left towards any other."""
    read: list[int] = []

    def fake(model, original, fit, val, triggers, suspect, eps, steps=30):
        read.append(int(suspect))
        return dict(NOTHING) if suspect == 0 else dict(LEFT)

    monkeypatch.setattr(residual, "residual", fake)
    return read


@pytest.mark.parametrize(("bar", "runs"), [(0.5, True), (0.0, False)])
def test_a_stripe_to_another_class_opens_the_stage(monkeypatch, bar, runs) -> None:
    model, clean = Striped().eval(), data()
    read = probe_by_class(monkeypatch)
    calls = stages_run(monkeypatch)
    wrong_suspect(monkeypatch)
    method = two_stages(revert_stripe=bar, dense_project=0, warp=0, candidates=0, check=0)
    assert method.get_params()["revert_stripe"] == bar
    method.apply(model, clean)
    assert bool(calls) is runs
    assert method.treated is runs  # otherwise the original comes back, as before
    if runs:
        other = method.report_["revert_stripe"]["suspect"]
        assert other in (1, 2)  # the class the stripe reached farthest (1: brightness)
        assert read == [0, other]  # the probe read again, on that class
        assert method.report_["suspect"] == other
        assert method.report_["revert_stripe"]["reach_original"] >= bar
    else:
        assert read == [0]
        assert ("revert_stripe" in method.report_) is (bar > 0)


@pytest.mark.parametrize(("reach", "after", "found"), [
    ({1: 0.69, 2: 0.2}, 0.3, 1), ({1: 0.45, 2: 0.2}, 0.3, None), ({1: 0.69, 2: 0.2}, 0.1, None)])
def test_restriped_needs_both_readings(monkeypatch, reach, after, found) -> None:
    model, clean = Striped().eval(), data()
    verdict = ModelVerdict("auto", 0.0, [0, 2, 1], [], triggers={}, probability=0.34)

    def fake(m, fit, val, c, eps, steps=30, stripes=True):
        return reach.get(c, 0.0) if m is model else after

    monkeypatch.setattr(rs.probe, "perturbation_asr", fake)
    other = rs.restriped(Striped().eval(), model, clean, clean, verdict, 0.3, 0.5, 0.2)
    assert other["class"] == 1
    assert other["suspect"] == found
