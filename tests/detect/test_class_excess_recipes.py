"""Issue 9, stop 72 (h9u): ``auto:excess``'s wide-class gate fitted on a second training recipe
(``fitted_on.wide_recipes``): a class the reference's recipe leaves narrow is read where another
recipe's clean models of the kind widen it, and only there."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from test_class_excess import BN00, KIND, RATIOS, _cals, _term, _verdict, _with_ratios

from script_run import run_script
from shipped_calibration import (
    EXCESS_TERMS,
    excess_before_s72,
    excess_without_dense_s73,
    shipped_before_s76_h9c,
)
from trojanscope.detect.calibration import Calibrator, calibrate, load_calibrators
from trojanscope.detect.class_excess import EXCESS, EXCESS_LOGIT, class_excess, wide_class
from trojanscope.errors import UserInputError

ROOT = Path(__file__).resolve().parents[2]


def _gated(recipes: dict | None = None) -> dict:
    """A term whose reference leaves class 8 (BN00's top, 1.708) narrow: 1.05 under wide 1.1."""
    term = _term(start=1.15, median8=1.05)  # the shipped start
    term["fitted_on"]["wide"] = 1.1
    if recipes is not None:
        term["fitted_on"]["wide_recipes"] = recipes
    return term


def _recipe(median8: float, n_clean: int = 12) -> dict:
    return {KIND: [{"recipe": "user", "n_clean": n_clean, "median": [1.0] * 8 + [median8, 1.0]}]}


def test_a_class_another_recipe_widens_is_read_against_the_reference() -> None:
    today = calibrate(_verdict(_with_ratios(BN00)), _cals(_gated()))
    assert EXCESS not in today.features  # class 8's reference 1.05 is under the gate
    got = calibrate(_verdict(_with_ratios(BN00)), _cals(_gated(_recipe(1.3))))
    assert got.features[EXCESS] == pytest.approx(RATIOS[8] - 1.05)  # the reference's median
    assert got.features[EXCESS_LOGIT] < 0 and got.probability < today.probability
    assert got.target_classes == today.target_classes


@pytest.mark.parametrize("recipes", [_recipe(1.09), _recipe(1.3, n_clean=3),
                                     {"784/10:activation:relu": _recipe(1.3)[KIND]}])
def test_a_recipe_that_does_not_widen_the_class_or_is_too_small_changes_nothing(recipes) -> None:
    """Under the gate in that recipe too, fewer clean models than ``min_clean``, or another
    kind's recipe: the class stays unread."""
    today = calibrate(_verdict(_with_ratios(BN00)), _cals(_gated()))
    got = calibrate(_verdict(_with_ratios(BN00)), _cals(_gated(recipes)))
    assert EXCESS not in got.features and got.probability == today.probability


def test_wide_class_reads_any_entry_with_enough_models() -> None:
    narrow, wide = {"n_clean": 10, "median": [1.0, 1.0]}, {"n_clean": 4, "median": [1.0, 1.2]}
    assert not wide_class(1, [narrow], 4, 1.1)
    assert wide_class(1, [narrow, wide], 4, 1.1)
    assert not wide_class(1, [narrow, wide], 5, 1.1)
    assert class_excess(_with_ratios(BN00), ["activation:relu", "layer:conv", "norm:batch",
                                             "pool:max"],
                        {KIND: {"n_clean": 6, "median": [1.0] * 10}}, 4, 1.1,
                        {KIND: [{"n_clean": 4, "median": [1.0] * 8 + [1.2, 1.0]}]}
                        ) == pytest.approx(RATIOS[8] - 1.0)


@pytest.mark.parametrize("recipes", [[1, 2], {KIND: {"n_clean": 4, "median": [1.0]}},
                                     {KIND: [{"n_clean": 4}]},
                                     {KIND: [{"n_clean": "4", "median": [1.0]}]},
                                     {KIND: [{"n_clean": 4, "median": [float("nan")]}]}])
def test_malformed_wide_recipes_are_refused_when_read(tmp_path, recipes) -> None:
    raw = json.loads((ROOT / "src/trojanscope/detect/calibration.json").read_text())
    entry = _gated()
    entry["fitted_on"]["wide_recipes"] = recipes
    raw[entry["method"]] = entry
    path = tmp_path / "cal.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(UserInputError, match=r"unreadable calibration file.*wide_recipes"):
        load_calibrators(path)


DATA = ROOT / "benchmarks/data/user_cnn_s72_h9u"


def _fresh(*names: str) -> dict[str, dict]:
    """Committed fresh rows (seeds 90-101, read once under the rule) by ``<kind>-<seed>``."""
    with gzip.open(DATA / "fresh_rows.jsonl.gz", "rt") as fh:
        rows = {f"{r['kind']}-{r['seed']}": r for r in map(json.loads, fh)}
    return {n: rows[n] for n in names} if names else rows


def test_the_shipped_excess_terms_carry_the_candidate_recipes_met_by_the_rule() -> None:
    """Stop 72's rule (benchmarks/data/user_cnn_s72_h9u/rule.md) was met on fresh seeds 90-101:
    the shipped excess entries are cal_recipes.json's, which is the file before plus
    ``wide_recipes`` (class 7 of the ReLU / conv / max-pool kind read too)."""
    shipped = {k: excess_without_dense_s73(v) if k in EXCESS_TERMS else v for k, v in
               shipped_before_s76_h9c().items()}
    cand = json.loads((DATA / "cal_recipes.json").read_text())
    for key in EXCESS_TERMS:  # stop 73 (h9w) added a dense kind's entry beside it
        assert shipped[key]["fitted_on"]["wide_recipes"] == cand[key]["fitted_on"][
            "wide_recipes"]
        assert excess_before_s72(shipped[key])["fitted_on"]["reference"] == cand[key][
            "fitted_on"]["reference"]
    (recipe,) = shipped["auto:excess"]["fitted_on"]["wide_recipes"][
        "784/10:activation:relu+layer:conv+pool:max"]
    assert recipe["n_clean"] == 12 and recipe["median"][7] > 1.1
    assert [c for c, m in enumerate(recipe["median"]) if m >= 1.1] == [2, 3, 5, 7]


def test_the_shipped_file_clears_the_fresh_class_7_alarm_and_keeps_the_backdoors() -> None:
    """Fresh clean-95 (class 7, 0.616 before) falls under 0.5; the 12 backdoors aimed at 7 stay
    flagged on their target; the file before stop 72 gives each run's own probability."""
    from foreign_zoo_detect import verdict_of

    shipped = load_calibrators()
    before = {k: Calibrator(**excess_before_s72(json.loads(
        (ROOT / "src/trojanscope/detect/calibration.json").read_text())[k])) if k in EXCESS_TERMS
        else v for k, v in shipped.items()}
    rows = _fresh()
    alarm = rows["clean-95"]
    assert calibrate(verdict_of(alarm["report"]), before).probability == pytest.approx(
        alarm["probability"], abs=1e-4)
    got = calibrate(verdict_of(alarm["report"]), shipped)
    most = float(shipped["auto:excess"].fitted_on["most"])  # 3 before stop 73's line, 4 since
    assert got.probability < 0.1 and got.features[EXCESS_LOGIT] == pytest.approx(-most)
    aimed = [r for name, r in rows.items() if "-t7-" in name]
    assert len(aimed) == 12
    for r in aimed:
        v = calibrate(verdict_of(r["report"]), shipped)
        assert v.probability >= 0.5 and v.target_classes[0] == 7


@pytest.mark.parametrize("script,args,said", [
    ("excess_wide_s72_h9u.py", ["--candidate", "/nonexistent.json"], "give --candidate FILE"),
    ("excess_wide_s72_h9u.py", ["--write", "x.json"], "give --recipe ROWS"),
    ("excess_wide_s72_h9u.py", ["--candidate", str(DATA / "cal_recipes.json"), "--user", "dev"],
     "give LABEL=ROWS"),
    ("user_mlp_s72_h9u.py", ["--report", "/nonexistent.json"], "no such file"),
])
def test_the_stop_72_scripts_refuse_bad_options_in_one_line(tmp_path, script, args, said) -> None:
    proc = run_script(script, *args, cwd=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and said in lines[0], proc.stderr
    assert not (tmp_path / "x.json").exists()
