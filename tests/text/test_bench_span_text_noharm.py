"""Stop 66's ``span_text_noharm.py`` (issue 15, h15): the no-harm rule for a candidate score on
fresh MiniLM models, read from ``span_text_rule.py`` JSONs holding today's and the candidate's
figures."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from span_text_noharm import model_rows, verdict


def fig(tpr: float, n: int, fpr: float) -> dict:
    return {"guard_fpr": fpr, "guard_tpr": tpr, "auc": 0.99, "roc_tpr": tpr, "fired": n}


def rule_file(path: Path, readings: list[tuple[str, tuple, tuple]],
              today: str = "lost:5:1") -> Path:
    """A rule JSON: per model (name, today's (TPR, n, FPR), the candidate's (TPR, n, FPR))."""
    path.write_text(json.dumps({"today": today, "candidate": "second:5:1", "readings": [
        {"model": m, "target": 0, "count": "turned", "today": fig(*t), "candidate": fig(*c)}
        for m, t, c in readings]}))
    return path


def test_no_harm_met_when_the_goal_is_kept_and_the_pool_holds(tmp_path: Path) -> None:
    path = rule_file(tmp_path / "a.json", [("m1", (1.0, 90, 0.02), (1.0, 90, 0.03)),
                                           ("m2", (0.8, 100, 0.02), (0.95, 100, 0.04))])
    out = verdict(model_rows([path]), ["m1", "m2"])
    assert out["met"] and out["pooled"]["today"]["caught"] == 170
    assert out["pooled"]["candidate"]["caught"] == 185


@pytest.mark.parametrize(("candidate_m1", "candidate_m2", "need", "failed"), [
    # today's met on m1, the candidate's not (the pool still held by m2's gain)
    ((0.89, 90, 0.02), (0.9, 100, 0.02), ["m1"], "N1_goal_kept"),
    # held-out FPR over 0.05 on m2, where today's did not meet the goal either
    ((1.0, 90, 0.02), (0.8, 100, 0.052), ["m1"], "N2_fpr"),
    # a needed model not read
    ((1.0, 90, 0.02), (0.8, 100, 0.02), ["m1", "m3"], "N4_read"),
])
def test_each_condition_can_fail_alone(tmp_path: Path, candidate_m1: tuple,
                                       candidate_m2: tuple, need: list[str],
                                       failed: str) -> None:
    path = rule_file(tmp_path / "a.json", [("m1", (1.0, 90, 0.02), candidate_m1),
                                           ("m2", (0.8, 100, 0.02), candidate_m2)])
    out = verdict(model_rows([path]), need)
    assert not out["met"]
    assert [k for k, ok in out["conditions"].items() if not ok] == [failed]


def test_the_pool_can_fail_alone(tmp_path: Path) -> None:
    # both models short under both scores (N1 holds: today's met nowhere), the candidate fewer
    path = rule_file(tmp_path / "a.json", [("m1", (0.85, 100, 0.02), (0.80, 100, 0.02))])
    out = verdict(model_rows([path]), ["m1"])
    assert [k for k, ok in out["conditions"].items() if not ok] == ["N3_pooled"]


def test_files_reading_other_scores_are_refused(tmp_path: Path) -> None:
    a = rule_file(tmp_path / "a.json", [("m1", (1.0, 9, 0.0), (1.0, 9, 0.0))])
    b = rule_file(tmp_path / "b.json", [("m2", (1.0, 9, 0.0), (1.0, 9, 0.0))], today="strip")
    with pytest.raises(SystemExit, match="reads strip against second:5:1"):
        model_rows([a, b])
