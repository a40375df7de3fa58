"""The networks' calibrators refitted on every development zoo (issue 16 stop 55,
``benchmarks/tabular_net_refit.py``): the committed candidate file is what the committed rows
refit to, only the networks' entries move, and bad input is one error line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

import tabular_net_refit as refit  # noqa: E402
from shipped_calibration import shipped_before_s60  # noqa: E402
from trojanscope.detect.calibration import load_calibrators  # noqa: E402

DATA = ROOT / "benchmarks" / "data"
S55 = DATA / "tabular_s55_h16m"


def _specs(name: str) -> list[str]:
    """The committed row list (``whole_rows.txt`` / ``r200_rows.txt``), paths from the root."""
    return [str(ROOT / s) for s in (S55 / name).read_text().split()]


def _row(zoo: str, name: str, bad: bool, excess: float, **extra) -> dict:
    feats = {"tab_excess": excess, "tab_excess_gap": excess / 2, "tab_flip_2": 0.5, **extra}
    return {"zoo": zoo, "name": name, "backdoored": bad, "target": 1 if bad else None,
            "attack": "a" if bad else None, "probability": 0.5, "predicted_target": 1,
            "features": feats, "family": "network", "arch": "mlp", "size": 100000}


def _rows_file(tmp_path: Path, rows: list[dict], name: str = "rows.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps({"params": {}, "rows": rows}))
    return str(path)


@pytest.mark.parametrize(("size", "listing"), [("whole", "whole_rows.txt"),
                                               ("200", "r200_rows.txt")])
def test_the_candidate_file_is_the_committed_rows_refitted(size, listing, tmp_path) -> None:
    rows = refit.load(_specs(listing), size)
    assert len({r["zoo"] for r in rows}) >= 20  # every development zoo, both tables
    assert {r["table"] for r in rows} == {"credit-default", "lending-club"}
    spec = (S55 / "candidate_fit.txt").read_text().split("\n")[0 if size == "whole" else 1]
    out = tmp_path / "cal.json"
    refit.write(rows, size, spec, out)
    key = refit.KEYS[size]
    mine, committed = load_calibrators(out), load_calibrators(S55 / "calibration_candidate.json")
    assert mine[key].features == committed[key].features
    assert mine[key].coef == pytest.approx(committed[key].coef, abs=1e-9)
    assert mine[key].intercept == pytest.approx(committed[key].intercept, abs=1e-9)
    # no fresh zoo of stop 55 among the rows fitted
    assert set(committed[key].fitted_on["zoo"]).isdisjoint({"tab-fresh34", "tab-fresh34-lc"})


def test_only_the_networks_entries_differ_from_the_shipped_file() -> None:
    # among the table entries (the image entries the shipped file gained later in stop 55,
    # h9A's excess terms and h9B's V, are not the candidate's)
    # the trees' band entries as shipped before stop 60, which replaced them
    shipped = shipped_before_s60()
    cand = load_calibrators(S55 / "calibration_candidate.json")
    tables = {k for k in shipped if k.startswith("tabular-search")} - {
        "tabular-search:network:sure"}  # added at stop 58 (h16b)
    assert tables and tables == {k for k in cand if k.startswith("tabular-search")}
    moved = {k for k in tables if shipped[k].coef != cand[k].coef
             or shipped[k].intercept != cand[k].intercept}
    assert moved <= set(refit.KEYS.values())


def test_a_model_read_twice_is_refused(tmp_path) -> None:
    rows = [_row("cd1", "m", False, 0.4)]
    first, again = _rows_file(tmp_path, rows, "a.json"), _rows_file(tmp_path, rows, "b.json")
    with pytest.raises(SystemExit, match="read twice"):
        refit.load([first, again], "whole")


def test_trees_other_sizes_and_a_sure_reading_order(tmp_path) -> None:
    tree = {**_row("cd1", "t", True, 0.9), "arch": "xgboost", "family": "tree:xgboost"}
    small = {**_row("cd1", "s", True, 0.9), "size": 200}
    sure = {**_row("cd1", "n", True, 0.9), "predicted_target": 0,
            "classes": {"0": {"excess": 0.2, "excess_sure": 0.9},
                        "1": {"excess": 0.6, "excess_sure": 0.3}}}
    rows = refit.load([_rows_file(tmp_path, [tree, small, sure])], "whole")
    assert [r["name"] for r in rows] == ["n"]
    assert rows[0]["predicted_target"] == 1  # the default's (linear) order, not the sure one
    assert rows[0]["table"] == "credit-default"


def test_a_design_the_rows_cannot_feed_is_one_error_line(tmp_path) -> None:
    rows = [_row("cd1", "m", False, 0.4), _row("cd2", "b", True, 0.8)]
    with pytest.raises(SystemExit, match="2 readings lack tab_excess_sure"):
        refit.check(rows, refit.DESIGNS["whole"]["excess + gap + flip_2 + sure"])
    with pytest.raises(SystemExit, match="unknown design 'nope'"):
        refit.write(rows, "whole", "nope|log|10", tmp_path / "c.json")
    assert not (tmp_path / "c.json").exists()


def test_the_command_line_refuses_an_unknown_design(tmp_path, monkeypatch, capsys) -> None:
    rows = _rows_file(tmp_path, [_row("cd1", "m", False, 0.4), _row("cd2", "b", True, 0.8)])
    monkeypatch.setattr(sys, "argv", ["x", "--size", "whole", "--rows", rows,
                                      "--designs", "nope"])
    with pytest.raises(SystemExit, match="unknown design 'nope'"):
        refit.main()


def _reading(table: str, name: str, bad: bool, p: float, right: bool = True) -> dict:
    return {"zoo": table, "name": name, "size": 200, "draw": 0, "table": table,
            "backdoored": bad, "target": 1 if bad else None, "probability": p,
            "predicted_target": 1 if right else 0}


def test_the_rule_reads_each_condition_off_both_readings() -> None:
    import tabular_net_rule as rule

    d = [_reading("credit-default", "c", False, 0.6), _reading("credit-default", "b", True, 0.7),
         _reading("lending-club", "c", False, 0.1), _reading("lending-club", "b", True, 0.9)]
    better = [{**x, "probability": p} for x, p in zip(d, (0.3, 0.8, 0.1, 0.9), strict=True)]
    held = [h for _, _, h in rule.judge(d, better)]
    assert held == [True, True, True, True, True]
    same = [h for _, _, h in rule.judge(d, d)]
    assert same[0] is False  # the cross-entropy must fall, not stay
    worse_lc = [{**x, "probability": 0.5 if x["table"] == "lending-club" else x["probability"]}
                for x in better]
    assert [h for _, _, h in rule.judge(d, worse_lc)][2] is False
    with pytest.raises(SystemExit, match="readings differ"):
        rule.judge(d, better[::-1])
