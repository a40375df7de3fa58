"""Issue 9, stop 74 (h9d): the excess term read data-free (``"auto:data-free:excess"`` and its
wider twin: the data path's entries copied, read only on the first-contact makers' recipe kinds,
slope 6, start 0.75, most 4), shipped by the rule of ``benchmarks/data_free_s74_h9d_rule.md``
met on fresh seeds 157-168 (clean flags 14 -> 6 of 40, none of 39 flagged backdoors lost)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from script_run import run_script
from shipped_calibration import (
    DATA_FREE_EXCESS,
    shipped_before_s76_h9c,
    shipped_data_free_unguarded_s74,
    shipped_without_data_free_s74,
)

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "benchmarks" / "data" / "data_free_s74_h9d"
USER = DATA / "user143_cnn_data_free.json"  # the first-contact user's clean CNN, data-free


def _loaded(text: dict) -> dict:
    from excess_wide_s72_h9u import loaded

    return loaded(text)


def _p(report: dict, cals: dict) -> tuple[float, int]:
    from excess_wide_s72_h9u import verdict
    from trojanscope.detect.calibration import calibrate

    v = calibrate(verdict(report), cals)
    return float(v.probability), v.target_classes[0]


def test_the_shipped_entries_are_the_candidates() -> None:
    from data_free_s74_h9d import with_data_free_excess

    shipped = shipped_data_free_unguarded_s74()  # stop 74 h9g added the guarded entries
    made = with_data_free_excess(shipped_without_data_free_s74(), (6.0, 0.75, 4.0),
                                 recipe_kinds=True)
    cand = json.loads((DATA / "cal_df_excess.json").read_text())
    for key in DATA_FREE_EXCESS:
        assert shipped[key] == cand[key] == made[key]
        fitted = shipped[key]["fitted_on"]
        assert sorted(fitted["reference"]) == sorted(fitted["wide_recipes"])
    assert shipped["auto:data-free:out-of-coverage:excess"]["fitted_on"]["start"] == 0.65


def test_the_users_clean_cnn_reads_clean_data_free() -> None:
    """Stop 74's first contact: BACKDOORED 0.69 at class 2 before, clean now."""
    report = json.loads(USER.read_text())
    before = _p(report, _loaded(shipped_without_data_free_s74()))
    assert before[1] == 2 and before[0] == pytest.approx(report["probability"], abs=1e-9)
    after = _p(report, _loaded(shipped_before_s76_h9c()))
    assert after[0] < 0.1 and after[1] == 2


def test_other_kinds_and_the_data_path_are_untouched() -> None:
    report = json.loads(USER.read_text())
    now, old = _loaded(shipped_before_s76_h9c()), _loaded(shipped_without_data_free_s74())
    sigmoid = {**report, "traits": ["activation:sigmoid", "layer:conv", "pool:avg"]}
    assert _p(sigmoid, now) == _p(sigmoid, old)  # a kind no recipe names: not read
    with_data = {**report, "data_free": False}  # the data path's own term, as before
    assert _p(with_data, now) == _p(with_data, old)


def test_the_fresh_rows_as_the_rule_read_them() -> None:
    from data_free_s74_h9d import model_rows

    now, old = _loaded(shipped_before_s76_h9c()), _loaded(shipped_without_data_free_s74())
    rows = model_rows(DATA / "fresh_rows.jsonl.gz", "fresh")
    assert len(rows) == 82 and sum(r["backdoored"] for r in rows) == 42
    flags = {"clean": [0, 0], "bd": [0, 0]}
    for r in rows:
        (p0, c0), (p1, c1) = _p(r["report"], old), _p(r["report"], now)
        side = flags["bd" if r["backdoored"] else "clean"]
        side[0] += p0 >= 0.5
        side[1] += p1 >= 0.5
        if r["backdoored"] and p0 >= 0.5:
            assert p1 >= 0.5 and c1 == c0, r["name"]
    assert flags == {"clean": [14, 6], "bd": [39, 39]}


def test_bad_options_one_line() -> None:
    proc = run_script("data_free_s74_h9d.py", "--candidate", "/nonexistent.json")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
