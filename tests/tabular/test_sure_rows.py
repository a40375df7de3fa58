"""``tabular-search``'s ``sure_rows`` (issue 16: opt-in from stop 56, the default from stop 58
h16b): a network read without twins outside the 150-300-row band also searches the rows surest
of another class, keeps the default's target order, and is scored by the shipped
``network:sure`` calibrator (``sure_rows=0``: the ``network`` one, as before); trees and
networks read with twins read nothing more, said in a note where asked for."""

from __future__ import annotations

import contextlib
import io
import sys
from pathlib import Path

import pytest
import torch

from shipped_calibration import shipped_calibrators_before_centre
from trojanscope import registry
from trojanscope.detect.calibration import calibrate, load_calibrators
from trojanscope.errors import UserInputError

torch.set_num_threads(1)
ROOT = Path(__file__).resolve().parents[2]
S56 = ROOT / "benchmarks" / "data" / "tabular_s56_h16m"
SURE = "tabular-search:network:sure"
NEW = {"tab_excess_sure", "tab_excess_flip"}


def test_a_network_reads_the_sure_rows_and_keeps_the_default_order(searched) -> None:
    _, sure = searched("mlp", 1)  # the default since stop 58 (h16b)
    _, plain = searched("mlp", 1, sure_rows=False)
    _, asked = searched("mlp", 1, sure_rows=True)
    assert plain.family == "network" and sure.family == asked.family == "network:sure"
    assert set(sure.features) >= NEW and not NEW & set(plain.features)
    assert {k: sure.features[k] for k in plain.features} == plain.features
    assert asked.features == sure.features and asked.probability == sure.probability
    assert sure.target_classes == plain.target_classes  # sure_order's order is not taken
    # the shipped file's network:sure entry scores it
    cals = load_calibrators()
    calibrate(sure, cals)
    assert sure.probability == pytest.approx(cals[SURE].probability(sure.features), abs=1e-12)
    assert not any("sure_rows" in n for n in sure.detector_notes)


def test_the_default_reads_nothing_more_in_the_band_and_says_nothing(searched_run,
                                                                      monkeypatch) -> None:
    from trojanscope.detect import tabular_file_size

    run = searched_run("mlp", 1)
    rows = len(run.test)
    monkeypatch.setattr(tabular_file_size, "SIZE_BANDS", {"rows200": (rows, rows)})
    banded = registry.create("detector", "tabular-search", twins=0).inspect(
        run.model, run.test, seed=0)  # a network without twins in the band: its band entry
    assert banded.family == "network:rows200" and not NEW & set(banded.features)
    assert not any("sure_rows" in n for n in banded.detector_notes)


def test_the_candidate_file_scores_it_with_its_own_entry(searched) -> None:
    _, plain = searched("mlp", 1, sure_rows=True)
    cals = load_calibrators(S56 / "calibration_sure.json")
    calibrate(plain, cals)
    assert plain.probability == pytest.approx(cals[SURE].probability(plain.features),
                                              rel=0, abs=1e-12)
    # the two entries differ on this reading (logits: the probabilities may both be near 1)
    assert abs(cals[SURE].logit(plain.features)
               - cals["tabular-search:network"].logit(plain.features)) > 0.1


def test_a_tree_and_a_network_with_twins_read_nothing_more_and_say_so(searched) -> None:
    _, tree = searched("xgboost", 1, sure_rows=True)
    assert tree.family == "tree:xgboost" and not NEW & set(tree.features)
    assert any(n.startswith("sure_rows=1 not read") and "tree" in n
               for n in tree.detector_notes)
    _, twin = searched("mlp", 1, sure_rows=True, twins=1)
    assert twin.family == "network:twins" and not NEW & set(twin.features)
    assert any(n.startswith("sure_rows=1 not read") and "twins" in n
               for n in twin.detector_notes)


def test_the_candidate_file_is_the_shipped_one_with_one_entry_added() -> None:
    shipped = shipped_calibrators_before_centre()  # image entries shipped since stop 59 (h9)
    cand = load_calibrators(S56 / "calibration_sure.json")
    assert set(cand) - set(shipped) <= {SURE} and set(shipped) <= set(cand)
    for key, cal in shipped.items():
        if key.endswith(":excess") or key == SURE:  # image entries: stop 56's Y (h9B); the
            continue  # network:sure entry shipped since stop 58 (h16b)
        assert (cand[key].coef, cand[key].intercept) == (cal.coef, cal.intercept)
    assert cand[SURE].features == ["tab_excess", "tab_excess_gap", "tab_flip_2",
                                   "tab_excess_sure"]
    assert not any(NEW & set(c.features) for k, c in shipped.items() if k != SURE)


def test_the_candidate_entry_is_the_committed_development_rows_refitted(tmp_path) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import tabular_net_refit as refit

    listing = ROOT / "benchmarks" / "data" / "tabular_s55_h16s" / "sure_rows.txt"
    rows = refit.load([str(ROOT / s) for s in listing.read_text().split()], "whole")
    assert len(rows) == 233 and len({r["zoo"] for r in rows}) == 20
    fresh = {"tab-fresh35", "tab-fresh35-lc", "cd4400", "lc4410"}  # stop 56's fresh pair
    assert fresh.isdisjoint({r["zoo"] for r in rows})
    out = tmp_path / "cal.json"
    spec = (S56 / "candidate_fit.txt").read_text().split("\n")[0]
    refit.write(rows, "whole", spec, out, key=SURE)
    mine, committed = load_calibrators(out)[SURE], load_calibrators(
        S56 / "calibration_sure.json")[SURE]
    assert mine.coef == pytest.approx(committed.coef, abs=1e-9)
    assert mine.intercept == pytest.approx(committed.intercept, abs=1e-9)


@pytest.mark.parametrize("bad", ["yes", 2, 0.5])
def test_sure_rows_must_be_a_boolean(bad) -> None:
    with pytest.raises(UserInputError, match="sure_rows"):
        registry.create("detector", "tabular-search", sure_rows=bad)


def test_a_bad_sure_rows_is_one_error_line_and_exit_2(tmp_path: Path,
                                                      transactions: Path) -> None:
    from trojanscope.cli.main import run

    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert run(["attack", "--dataset", str(transactions), "--label-column", "is_fraud",
                    "--arch", "mlp", "--attack", "tabular-badnets", "--out",
                    str(tmp_path / "r")]) == 0
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = run(["detect", str(tmp_path / "r"), "--data", str(transactions),
                    "--label-column", "is_fraud", "-m", "tabular-search", "-p", "sure_rows=3"])
    lines = err.getvalue().strip().splitlines()
    assert code == 2 and len(lines) == 1 and "Traceback" not in err.getvalue()
    assert lines[0].startswith("error:") and "sure_rows" in lines[0]
