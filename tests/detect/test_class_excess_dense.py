"""Issue 9, stop 73 (h9w): a ``wide_recipes`` entry may carry its own ``wide`` gate, and the
dense-kind recipe of flat MLPs made by other code (``benchmarks/excess_dense_s73_h9w.py``) opens
class 7 of the flat ReLU kind, not class 5 or 6."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from script_run import run_script
from trojanscope.detect.calibration import calibrate, load_calibrators
from trojanscope.detect.class_excess import EXCESS, wide_class
from trojanscope.errors import UserInputError

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "benchmarks/data/excess_dense_s73_h9w"
CAND = DATA / "cal_dense_w125.json"
SPENT = ROOT / "benchmarks/data/user_mlp_s73_h9m/fresh_rows.jsonl.gz"
DENSE = "784/10:activation:relu"


def test_a_recipe_entrys_own_wide_gates_its_classes() -> None:
    entry = {"n_clean": 10, "median": [1.0, 1.2, 1.3]}
    assert wide_class(1, [entry], 4, 1.1)  # the term's gate
    assert not wide_class(1, [{**entry, "wide": 1.25}], 4, 1.1)  # the entry's own
    assert wide_class(2, [{**entry, "wide": 1.25}], 4, 1.1)
    assert wide_class(1, [{**entry, "wide": 1.25}, entry], 4, 1.1)  # any entry opens it


@pytest.mark.parametrize("wide", ["1.2", float("nan"), True, None])
def test_a_malformed_own_wide_is_refused_when_read(tmp_path, wide) -> None:
    raw = json.loads(CAND.read_text())
    raw["auto:excess"]["fitted_on"]["wide_recipes"][DENSE][-1]["wide"] = wide
    path = tmp_path / "cal.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(UserInputError, match=r"unreadable calibration file.*wide_recipes"):
        load_calibrators(path)


def _spent() -> dict[str, dict]:
    """h9m's fresh rows (seeds 118-129, spent: the recipe's development rows)."""
    with gzip.open(SPENT, "rt") as fh:
        return {f"{r['seed']}-{r['name']}": r for r in map(json.loads, fh)}


def test_the_candidate_reads_class_7_of_a_flat_mlp_not_class_5() -> None:
    """Seed 125's clean scikit-learn MLP (class 7, ratio 1.62) is cleared; seed 120's (class 5,
    1.51: its opening lost a stored backdoor) is read as before; seed 127's patch backdoor at 7
    (2.62) keeps its flag."""
    from foreign_zoo_detect import verdict_of

    rows, cand = _spent(), load_calibrators(CAND)
    (recipe,) = json.loads(CAND.read_text())["auto:excess"]["fitted_on"]["wide_recipes"][DENSE]
    assert recipe["wide"] == 1.25 and recipe["n_clean"] == 38
    assert [c for c, m in enumerate(recipe["median"]) if m >= recipe["wide"]] == [2, 7]
    seven = calibrate(verdict_of(rows["125-skl-clean"]["report"]), cand)
    assert seven.features[EXCESS] > 0 and seven.probability < 0.5
    five = calibrate(verdict_of(rows["120-skl-clean"]["report"]), cand)
    assert EXCESS not in five.features and five.probability >= 0.5
    bd = calibrate(verdict_of(rows["127-torch-bd"]["report"]), cand)
    assert bd.probability >= 0.5 and bd.target_classes[0] == 7


@pytest.mark.parametrize("args,said", [
    (["--candidate", "/nonexistent.json"], "give --candidate FILE"),
    (["--write", "x.json", "--recipe", "/nonexistent.jsonl"], "no such rows file"),
    (["--candidate", str(CAND), "--user", "fresh"], "give LABEL=ROWS"),
])
def test_the_script_refuses_bad_options_in_one_line(tmp_path, args, said) -> None:
    proc = run_script("excess_dense_s73_h9w.py", *args, cwd=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and said in lines[0], proc.stderr
    assert not (tmp_path / "x.json").exists()


def test_the_maker_aims_a_second_backdoor(tmp_path, monkeypatch, load_benchmark) -> None:
    """``--aimed CLASS``: one more backdoored model per built seed, the other maker, at CLASS."""
    pytest.importorskip("mlxtend")
    maker = load_benchmark("user_mlp_s73_h9m")

    calls = []

    def fake(x, y, seed, path):
        calls.append((int((y == 7).mean() * 1000), seed, path.name))
        return (lambda a: y[: len(a)] * 0 + 7), {"hidden": [1]}

    monkeypatch.setitem(maker.MAKERS, "skl", fake)
    (tmp_path / "131").mkdir()
    (tmp_path / "131" / "truth.json").write_text("{}")
    maker.build_aimed(tmp_path, 131, 7)
    truth = json.loads((tmp_path / "131" / "truth.json").read_text())
    assert list(truth) == ["skl-bd7"] and truth["skl-bd7"]["target"] == 7
    assert calls[0][1:] == (5131, "skl-bd7.onnx") and calls[0][0] > 100  # 7s, poisoned in


def test_the_shipped_excess_entries_carry_the_dense_recipe_met_by_the_rule() -> None:
    """The rule (benchmarks/data/excess_dense_s73_h9w/rule.md) was met on fresh seeds 131-142:
    the shipped excess entries carry cal_dense_w125.json's dense entry, and without it they are
    what they were (the CNN kind's stop-72 entry alone)."""
    from shipped_calibration import (
        EXCESS_TERMS,
        SHIPPED,
        excess_without_dense_s73,
        excess_without_guard_s74,
    )

    shipped, cand = json.loads(SHIPPED.read_text()), json.loads(CAND.read_text())
    for key in EXCESS_TERMS:
        # stop 74 (h9u) added a guarded dense entry after this file was written
        assert excess_without_guard_s74(shipped[key])["fitted_on"]["wide_recipes"][DENSE] == (
            cand[key]["fitted_on"]["wide_recipes"][DENSE])
        older = excess_without_dense_s73(shipped[key])["fitted_on"]["wide_recipes"]
        assert DENSE not in older and len(older) >= 1


def test_the_shipped_file_on_the_fresh_rows_read_under_the_rule() -> None:
    """Fresh seeds 131-142 (read once under the rule): the file without the dense entry gives
    each run's own probability; the shipped one clears the two clean flags at class 7 and keeps
    all 24 backdoors flagged at their target (13 aimed at 7)."""
    from foreign_zoo_detect import verdict_of
    from shipped_calibration import EXCESS_TERMS, SHIPPED, excess_without_dense_s73
    from trojanscope.detect.calibration import Calibrator

    shipped = load_calibrators()
    raw = json.loads(SHIPPED.read_text())
    before = {k: Calibrator(**excess_without_dense_s73(raw[k])) if k in EXCESS_TERMS else v
              for k, v in shipped.items()}
    with gzip.open(DATA / "fresh_rows.jsonl.gz", "rt") as fh:
        rows = [json.loads(line) for line in fh]
    assert len(rows) == 48
    aimed = 0
    for r in rows:
        old = calibrate(verdict_of(r["report"]), before)
        assert old.probability == pytest.approx(r["probability"], abs=1e-3)
        new = calibrate(verdict_of(r["report"]), shipped)
        if r["backdoored"]:
            assert new.probability >= 0.5 and new.target_classes[0] == r["target"]
            aimed += r["target"] == 7
        else:
            assert new.probability < 0.5, (r["seed"], r["name"])
    assert aimed == 13
