"""`gated`'s ``hand_check`` (:func:`trojanscope.mitigate.nothing_left.still_responds`): a model
the probe would hand back without the second stage goes through it where the detector is sure
and the reversed trigger still works on the first stage's model. Hand-wired models from
``test_gated_unlearn``."""

from __future__ import annotations

import pytest
import torch
from test_gated_unlearn import Clean, data, two_stages
from test_gated_weak_first import SIG_007
from test_nothing_left import NOTHING, Marked, flag
from test_stripe_projection import stages_run
from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.mitigate import residual
from trojanscope.mitigate.gated import HAND_CHECK
from trojanscope.mitigate.nothing_left import RESPONDS, still_responds
from trojanscope.mitigate.run import mitigate, split_clean

torch.set_num_threads(1)

# what the probe read on zoo-2413's badnets-000 (p 1.000, 97.9% ASR handed back): issue 12 stop 46
BADNETS_000 = {"trigger_before": 0.667, "trigger_after": 0.356, "kept": 0.533,
               "perturbation": 0.133}


@pytest.mark.parametrize(("probe", "p", "projected", "bar", "expected"), [
    (BADNETS_000, 1.0, False, 0.9, True),
    (BADNETS_000, 1.0, False, 0.0, False),                     # off
    (BADNETS_000, 0.436, False, 0.9, False),                   # the highest flagged clean MLP
    (BADNETS_000, 1.0, True, 0.9, False),                      # a kept projection: SIG's case
    ({**BADNETS_000, "trigger_after": RESPONDS}, 0.9, False, 0.9, True),   # at the floor
    ({**BADNETS_000, "trigger_after": 0.156}, 1.0, False, 0.9, False),     # under it
    (SIG_007, 0.992, False, 0.9, False),                       # FT-SAM took the trigger to 0.09
])
def test_still_responds(probe, p, projected, bar, expected) -> None:
    assert still_responds(probe, p, projected=projected, bar=bar) is expected


@pytest.mark.parametrize(("p", "hand_check", "runs"), [
    (1.0, 0.9, True), (0.436, 0.9, False), (1.0, 0.0, False)])
def test_nothing_left_at_a_sure_p_runs_the_stage(monkeypatch, p, hand_check, runs) -> None:
    model, clean = Clean().eval(), data()
    monkeypatch.setattr(residual, "residual", lambda *a, **k: dict(NOTHING))
    calls = stages_run(monkeypatch)
    flag(monkeypatch, p)
    method = two_stages(hand_check=hand_check, dense_project=0, warp=0)
    assert method.get_params()["hand_check"] == hand_check
    method.apply(model, clean)
    assert bool(calls) is runs
    assert ("hand_check" in method.report_) is runs
    assert method.treated is runs  # otherwise the original comes back, as before
    if runs:
        assert "p=1.000 >= hand_check 0.9" in method.report_["hand_check"]


@pytest.mark.parametrize(("after", "runs"), [(0.3, True), (0.089, False)])
def test_weak_evidence_with_the_trigger_still_working_runs_the_stage(monkeypatch, after,
                                                                      runs) -> None:
    model, clean = Clean().eval(), data()
    monkeypatch.setattr(residual, "residual",
                        lambda *a, **k: {**SIG_007, "trigger_after": after})
    calls = stages_run(monkeypatch)
    flag(monkeypatch, 0.99)
    method = two_stages(hand_check=0.9, dense_project=0, warp=0, candidates=False,
                        check=False)
    method.inner = Marked()
    out = method.apply(model, clean)
    assert bool(calls) is runs
    skipped = "weak evidence" in str(method.report_["unlearn"].get("action"))
    assert skipped is not runs
    assert not torch.equal(out.out.bias, model.out.bias)  # treated either way


def test_the_default_checks_a_sure_hand_back(monkeypatch) -> None:
    """Since issue 12 stop 46 the check is on by default (``HAND_CHECK``); 0 turns it off."""
    assert HAND_CHECK == 0.9
    model, clean = Clean().eval(), data()
    monkeypatch.setattr(residual, "residual", lambda *a, **k: dict(NOTHING))
    calls = stages_run(monkeypatch)
    flag(monkeypatch, 1.0)
    method = two_stages(dense_project=0, warp=0)
    assert method.get_params()["hand_check"] == HAND_CHECK
    method.apply(model, clean)
    assert calls and method.treated and "hand_check" in method.report_


@pytest.mark.parametrize("value", [-0.1, 1.5, float("nan")])
def test_a_bad_hand_check_is_refused(value) -> None:
    with pytest.raises(ValueError, match="hand_check"):
        two_stages(hand_check=value)


def test_the_held_back_images_it_reads_are_never_the_scored_ones(monkeypatch) -> None:
    """What ``still_responds`` reads (the probe's held-back quarter) comes from the method's
    share of the clean data, never from the images the figures are computed on (review of
    stop 46); its triggers are the detector's (none here), not the attacker's."""
    model, clean = Clean().eval(), data()
    seen: list = []

    def spy(model, original, fit, val, triggers, suspect, eps):
        seen.append((fit.x, val.x, triggers))
        return dict(NOTHING)

    monkeypatch.setattr(residual, "residual", spy)
    stages_run(monkeypatch)
    flag(monkeypatch, 1.0)
    method = two_stages(dense_project=0, warp=0)
    mitigate(model, method, clean, holdout=0.5, seed=3)
    fit_m, held = split_clean(clean, 0.5, 3, needs_data=True)
    assert seen and "hand_check" in method.report_
    scored = {tuple(r.flatten().tolist()) for r in held.x}
    share = {tuple(r.flatten().tolist()) for r in fit_m.x}
    fit_x, val_x, triggers = seen[0]
    rows = {tuple(r.flatten().tolist()) for r in torch.cat([fit_x, val_x])}
    assert rows and rows <= share and not rows & scored
    assert triggers == []


def test_a_table_model_never_reaches_the_check(monkeypatch) -> None:
    """On inputs that are not images the second stage (and so the check before it) is skipped
    in words; the probe is never asked, nothing crashes (review of stop 46)."""
    g = torch.Generator().manual_seed(0)
    x = torch.rand(120, 4, generator=g)
    table = TensorDataset(x, (x[:, 0] > 0.5).long(), ["a", "b", "c"], "table", "test")

    def never(*a, **k):
        raise AssertionError("the probe ran on a table")

    monkeypatch.setattr(residual, "residual", never)
    flag(monkeypatch, 1.0)
    method = two_stages(hand_check=0.9)
    method.apply(nn.Sequential(nn.Linear(4, 3)), table)
    assert "hand_check" not in method.report_
    assert method.report_["unlearn"]["action"].startswith("skipped: the second stage works on "
                                                          "images only")
