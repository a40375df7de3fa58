"""Issue 16 stop 56's rule script (``benchmarks/tabular_sure_rule.py``): R is the default's
readings with each network's replaced by the candidate's, each condition is read per table,
and readings that do not match are one error line; ``tabular_r200_look.py`` pairs draws."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

import tabular_r200_look as look  # noqa: E402
import tabular_sure_rule as rule  # noqa: E402


def _row(table: str, name: str, arch: str, bad: bool, p: float, target: int = 1,
         draw: int = 0) -> dict:
    return {"zoo": table[:2], "name": name, "size": 100000, "draw": draw, "arch": arch,
            "table": table, "backdoored": bad, "target": target if bad else None,
            "probability": p, "predicted_target": target, "elapsed_s": 1.0}


def _default() -> list[dict]:
    return [_row(t, f"{a}-{k}", a, k % 2 == 1, 0.8 if k % 2 else 0.2)
            for t in rule.TABLES for a in ("mlp", "xgboost") for k in range(4)]


def test_r_takes_the_candidates_networks_and_the_defaults_trees() -> None:
    d = _default()
    s = [{**r, "probability": 0.9 if r["backdoored"] else 0.1} for r in d if r["arch"] == "mlp"]
    r = rule.merged(d, s)
    assert [x["probability"] for x in r if x["arch"] == "xgboost"] == \
        [x["probability"] for x in d if x["arch"] == "xgboost"]
    assert {x["probability"] for x in r if x["arch"] == "mlp"} == {0.1, 0.9}
    held = dict((c, ok) for c, _, ok in rule.judge(d, r, whole=True))
    assert all(held.values()) and "pooled CE R < D" in held


def test_one_more_clean_network_flagged_on_one_table_fails_that_table() -> None:
    d = _default()
    s = [dict(x) for x in d if x["arch"] == "mlp"]
    clean = next(x for x in s if x["table"] == "lending-club" and not x["backdoored"])
    clean["probability"] = 0.6
    held = {c: ok for c, _, ok in rule.judge(d, rule.merged(d, s), whole=False)}
    assert not held["lending-club clean flagged R <= D"]
    assert held["credit-default clean flagged R <= D"]
    assert not held["lending-club CE R <= D + 0"]


def test_readings_that_do_not_match_are_refused() -> None:
    d = _default()
    nets = [x for x in d if x["arch"] == "mlp"]
    with pytest.raises(SystemExit, match="not the same ones"):
        rule.merged(d, nets[1:])
    with pytest.raises(SystemExit, match="networks, each read once"):
        rule.merged(d, [*nets, nets[0]])
    with pytest.raises(SystemExit, match="networks, each read once"):
        rule.merged(d, [x for x in d if x["arch"] == "xgboost"])


def test_the_look_pairs_only_models_read_in_both_draws() -> None:
    rows = [_row("credit-default", "a", "mlp", True, 0.7, draw=0),
            _row("credit-default", "a", "mlp", True, 0.4, draw=1),
            _row("credit-default", "b", "mlp", False, 0.2, draw=0)]
    paired = look.pair(rows)
    assert list(paired) == [("cr", "a")] and set(paired[("cr", "a")]) == {0, 1}


def test_a_cut_candidate_run_is_read_from_its_log_lines(tmp_path) -> None:
    d = _default()
    log = tmp_path / "s.log"
    log.write_text("S whole cd start 20:52:42\n"
                   "cr n=100000 d=0 mlp-1 mlp      src [100, 583] skip [] p 0.105\n")
    (r,) = rule.from_log(d, [str(log)])
    assert (r["name"], r["probability"], r["backdoored"]) == ("mlp-1", 0.105, True)
    log.write_text("cr n=100000 d=0 xgboost-1 xgboost  src [1, 2] skip [] p 0.5\n")
    with pytest.raises(SystemExit, match="no network"):
        rule.from_log(d, [str(log)])
