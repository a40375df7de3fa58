"""`gated`'s ``project_next`` (:mod:`trojanscope.mitigate.project_next`, issue 12 stop 74: h12g):
where the detector ranks a class first whose stripe reaches nothing, the next classes are
projected in turn and the first kept becomes the suspect. Hand-wired ``Striped`` (its stripe
backdoor's target is class 2) from ``test_gated_unlearn``, the detector ranking class 0 first."""

from __future__ import annotations

import pytest
import torch
from test_gated_unlearn import Striped, data, signal_asr, two_stages
from test_stripe_projection import patch_trigger, stages_run, stripe_trigger

from trojanscope.detect.base import ModelVerdict, ReversedTrigger
from trojanscope.mitigate import gated, project_next


def ranked_wrong(monkeypatch, triggers: dict[int, ReversedTrigger]) -> None:
    """The detector flags the model with class 0 first and the target, 2, second."""
    verdict = ModelVerdict("auto", 0.0, [0, 2, 1], [], triggers=triggers, probability=0.9)
    monkeypatch.setattr(gated, "detector_verdict", lambda *a: verdict)


def suspects_seen(monkeypatch) -> list[list[int]]:
    """The second stage replaced by one that records the suspects it is given."""
    from trojanscope.mitigate import adaptive

    seen: list[list[int]] = []
    monkeypatch.setattr(adaptive.Adaptive, "unlearn",
                        lambda self, m, clean, triggers, ranked, *a, **k: seen.append(
                            list(ranked)) or m)
    return seen


def test_the_next_class_is_projected_and_becomes_the_suspect(monkeypatch) -> None:
    model, clean = Striped().eval(), data()
    ranked_wrong(monkeypatch, {2: stripe_trigger()})
    seen = suspects_seen(monkeypatch)
    method = two_stages(unlearn=True, project_next=1, kept=1.01, warp=0, candidates=False,
                        mixed_last=0)  # mixed_last off: its fit is not what is read here
    out = method.apply(model, clean)
    note = method.report_["project_next"]
    assert note["action"].startswith("kept: class 2") and note["tries"][0]["kept"]
    assert method.report_["suspect"] == 2 and seen == [[2]]
    assert method.report_["project"]["directions"] >= 1 and signal_asr(out, clean) < 0.1


def test_without_it_the_first_class_stays_the_suspect(monkeypatch) -> None:
    assert gated.Gated().project_next == 0  # opt-in
    model, clean = Striped().eval(), data()
    ranked_wrong(monkeypatch, {2: stripe_trigger()})
    seen = suspects_seen(monkeypatch)
    method = two_stages(unlearn=True, kept=1.01, warp=0, candidates=False)
    out = method.apply(model, clean)
    assert method.report_["project"]["action"].startswith("undone: the stripe reached")
    assert "project_next" not in method.report_
    assert method.report_["suspect"] == 0 and seen == [[0]]
    assert signal_asr(out, clean) == 1.0  # the stage replaced: nothing removed the stripe


def test_a_next_class_not_kept_leaves_the_model_as_it_came(monkeypatch) -> None:
    model, clean = Striped(patch=True).eval(), data()
    came = {k: v.clone() for k, v in model.state_dict().items()}
    trigger = patch_trigger()  # class 2's trigger is a patch: it survives the projection
    ranked_wrong(monkeypatch, {2: trigger})
    stages_run(monkeypatch)
    method = two_stages(unlearn=True, project_next=2, kept=1.01, warp=0, candidates=False)
    method.apply(model, clean)
    note = method.report_["project_next"]
    assert [t["class"] for t in note["tries"]] == [2, 1]
    assert not any(t["kept"] for t in note["tries"]) and method.report_["suspect"] == 0
    for k, v in model.state_dict().items():
        assert torch.equal(v, came[k]), k


def test_it_looks_further_only_where_the_stripe_reached_nothing() -> None:
    assert project_next.reached_nothing({"reach_projected": [0.09, 0.0]})
    assert not project_next.reached_nothing({"reach_projected": [0.9, 0.1]})
    verdict = ModelVerdict("auto", 0.0, [0, 2, 1], [])
    assert project_next.suspect_first(verdict, 1).target_classes == [1, 0, 2]


@pytest.mark.parametrize("params", [{"project_next": -1}, {"project_next": 10},
                                    {"project_next": 1, "dense_project": 0},
                                    {"project_next": 1, "project_kept": 0}])
def test_it_is_refused_out_of_range_or_without_the_projection(params) -> None:
    with pytest.raises(ValueError, match="project_next"):
        gated.Gated(**params)
