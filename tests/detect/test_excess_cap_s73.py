"""Issue 9, stop 73 (h9u): ``auto:excess``'s 3-logit cap — a steeper line (slope 11, start
0.75) to a larger ``most`` (4), the candidate of ``benchmarks/excess_cap_s73_h9u.py``."""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path

import pytest

from script_run import run_script
from shipped_calibration import (
    EXCESS_TERMS,
    excess_before_s73,
    excess_without_dense_s73,
    shipped_before_s76_h9c,
)
from trojanscope.detect.calibration import Calibrator, calibrate, load_calibrators
from trojanscope.detect.class_excess import EXCESS, EXCESS_LOGIT

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "src/trojanscope/detect/calibration.json"
DATA = ROOT / "benchmarks/data/excess_cap_s73_h9u"
S72 = ROOT / "benchmarks/data/user_cnn_s72_h9u"


def _before() -> dict:
    """The shipped calibrators with the two excess entries' line as before stop 73."""
    raw = shipped_before_s76_h9c()
    return {k: Calibrator(**excess_before_s73(raw[k])) if k in EXCESS_TERMS else v
            for k, v in load_calibrators().items()}


def _rows(path: Path) -> dict[str, dict]:
    with gzip.open(path, "rt") as fh:
        return {f"{r['kind']}-{r['seed']}": r for r in map(json.loads, fh)}


def test_with_line_sets_both_entries_and_keeps_their_starts_apart() -> None:
    from excess_cap_s73_h9u import with_line

    base = {k: excess_before_s73(v) if k in EXCESS_TERMS else v
            for k, v in shipped_before_s76_h9c().items()}
    out = with_line(base, 11.0, 0.75, 4.0)
    first, wider = out["auto:excess"], out["auto:out-of-coverage:excess"]
    assert first["coef"] == [11.0] and first["intercept"] == pytest.approx(-8.25)
    assert wider["coef"] == [11.0] and wider["intercept"] == pytest.approx(-7.15)
    assert first["fitted_on"]["most"] == wider["fitted_on"]["most"] == 4.0
    assert wider["fitted_on"]["start"] == pytest.approx(0.65)  # shipped gap 1.15 - 1.05 kept
    assert base["auto:excess"]["coef"] == [4.0]  # the input is not changed
    assert {k: v for k, v in out.items() if k not in EXCESS_TERMS} == {
        k: v for k, v in base.items() if k not in EXCESS_TERMS}


def test_the_candidate_file_differs_from_the_shipped_one_only_in_the_line() -> None:
    cand = json.loads((DATA / "cal_line.json").read_text())
    shipped = shipped_before_s76_h9c()
    for key in EXCESS_TERMS:
        # stop 73 (h9w) added a dense kind's wide_recipes entry after this file was written
        fitted = excess_without_dense_s73(shipped[key])["fitted_on"]
        ours = cand[key]["fitted_on"]
        assert ours["reference"] == fitted["reference"]
        assert ours["wide_recipes"] == fitted["wide_recipes"]
        assert (ours["slope"], ours["most"], cand[key]["coef"]) == (11.0, 4.0, [11.0])
        assert cand[key]["intercept"] == pytest.approx(-11.0 * ours["start"])


def test_the_line_clears_stop_72s_class_2_flags_that_the_old_cap_kept() -> None:
    """Spent seeds 90-101 (development): the three clean two-epoch CNNs flagged at class 2
    (stands 0.35-0.39) take the old cap's 3 logits and stay over 0.5; the candidate's line takes
    up to 4 and clears them."""
    from foreign_zoo_detect import verdict_of

    before, cand = _before(), load_calibrators(DATA / "cal_line.json")
    rows = _rows(S72 / "fresh_rows.jsonl.gz")
    for name in ("clean-93", "clean-98", "clean-100"):
        old = calibrate(verdict_of(rows[name]["report"]), before)
        new = calibrate(verdict_of(rows[name]["report"]), cand)
        assert old.probability >= 0.5 and old.features[EXCESS_LOGIT] == pytest.approx(-3.0)
        assert 0.35 < new.features[EXCESS] < 0.4 and new.features[EXCESS_LOGIT] < -3.5
        assert new.probability < 0.45 and new.target_classes[0] == old.target_classes[0] == 2


def test_the_line_takes_less_than_the_old_one_from_a_large_stand() -> None:
    """Stop 72's patch aimed at 7 (stand 0.95): 0.81 logits taken before, none now (the line
    crosses the old one at a stand of 0.52)."""
    from foreign_zoo_detect import verdict_of

    before, cand = _before(), load_calibrators(DATA / "cal_line.json")
    row = _rows(S72 / "fresh_rows.jsonl.gz")["patch-t7-92"]
    old = calibrate(verdict_of(row["report"]), before)
    new = calibrate(verdict_of(row["report"]), cand)
    assert old.features[EXCESS_LOGIT] == pytest.approx(-0.81, abs=0.01)
    assert EXCESS_LOGIT not in new.features and new.features[EXCESS] > 0.75


def test_at_risk_counts_only_runs_without_ratios_whose_first_class_is_wide() -> None:
    from excess_cap_s73_h9u import at_risk, mark_wide

    fitted = {"reference": {"784/10:activation:relu": {"n_clean": 6,
                                                       "median": [1.0, 1.3] + [1.0] * 8}},
              "min_clean": 4, "wide": 1.1}
    p = 1 / (1 + math.exp(-3.5))  # logit 3.5: over today's 3, under the candidate's 4

    def row(ranking: list[int], ratios: bool = False, prob: float = p) -> dict:
        return {"pop": "z", "name": str(ranking[0]), "backdoored": True, "ratios": ratios,
                "today": [prob, ranking[0]],
                "report": {"traits": ["activation:relu"], "ranking": ranking}}

    rows = [row([1, 0]), row([0, 1]), row([1, 0], ratios=True), row([1, 0], prob=0.99)]
    mark_wide(rows, fitted)
    assert [r["wide"] for r in rows] == [True, False, True, True]
    assert at_risk(rows, 3.0, 4.0) == ["z/1 (logit 3.50)"]


@pytest.mark.parametrize("args,said", [
    (["--candidate", "/nonexistent.json"], "give --candidate FILE"),
    (["--write", "x.json", "--slope", "11"], "give --slope > 0, --start and --most > 0"),
    (["--write", "x.json", "--slope", "-1", "--start", "0.7", "--most", "4"], "give --slope > 0"),
    (["--ship", "/nonexistent.json"], "no such file"),
])
def test_the_script_refuses_bad_options_in_one_line(tmp_path, args, said) -> None:
    proc = run_script("excess_cap_s73_h9u.py", *args, cwd=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and said in lines[0], proc.stderr
    assert not (tmp_path / "x.json").exists()


FRESH = DATA / "fresh_rows.jsonl.gz"


def test_the_shipped_excess_entries_carry_the_candidate_line_met_by_the_rule() -> None:
    """The rule (benchmarks/excess_cap_s73_h9u_rule.md) was met on fresh seeds 105-116: the
    shipped excess entries carry cal_line.json's line and cap; excess_before_s73 gives the line
    shipped before, and nothing else in those entries differs."""
    from excess_wide_s72_h9u import before_s73

    shipped = shipped_before_s76_h9c()
    cand = json.loads((DATA / "cal_line.json").read_text())
    for key in EXCESS_TERMS:
        assert shipped[key]["coef"] == cand[key]["coef"] == [11.0]
        assert shipped[key]["intercept"] == cand[key]["intercept"]
        line = ("slope", "start", "most")
        for field in line:
            assert shipped[key]["fitted_on"][field] == cand[key]["fitted_on"][field]
        older = excess_before_s73(shipped[key])
        assert older["coef"] == [4.0] and older["fitted_on"]["most"] == 3.0
        assert before_s73()[key] == older  # the rule's "today", read by the script
        assert ({k: v for k, v in older["fitted_on"].items() if k not in line}
                == {k: v for k, v in shipped[key]["fitted_on"].items() if k not in line})


def test_the_shipped_line_on_the_fresh_rows_read_under_the_rule() -> None:
    """Fresh seeds 105-116 (read once under the rule): the line before gives each run's own
    probability; the shipped line clears clean-e5-105 (stand 0.48), leaves clean-110 (stand
    0.81, past the line) flagged, and keeps the 14 backdoors aimed at class 2 flagged at 2."""
    from foreign_zoo_detect import verdict_of

    before, shipped = _before(), load_calibrators()
    rows = _rows(FRESH)
    assert len(rows) == 52
    got = {}
    for name, r in rows.items():
        old = calibrate(verdict_of(r["report"]), before)
        assert old.probability == pytest.approx(r["probability"], abs=1e-4), name
        got[name] = (old.probability, calibrate(verdict_of(r["report"]), shipped))
    assert got["clean-e5-105"][0] >= 0.5 > got["clean-e5-105"][1].probability
    assert got["clean-110"][1].probability >= 0.5
    aimed = [new for name, (_, new) in got.items() if rows[name].get("target") == 2]
    assert len(aimed) == 14
    assert all(v.probability >= 0.5 and v.target_classes[0] == 2 for v in aimed)
