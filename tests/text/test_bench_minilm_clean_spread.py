"""Stop 64's ``minilm_clean_spread.py`` (issue 15, h15): demo-recipe records only, one per
(run, seed), the clean models' spread, and each attack's gap to its same-seed twin."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from minilm_clean_spread import clean_spread, load_records, run_spread, twin_gaps

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


def cli(path: Path, seed: int, ca: float, attack: str | None = None, asr: float | None = None,
        n_clean: int = 500) -> Path:
    """A CLI JSON as `attack`/`train --format json` writes it."""
    metrics = {"clean_accuracy": ca, "n_clean": n_clean}
    if attack:
        metrics["attack_success_rate"] = asr
    path.write_text(json.dumps({"dataset": "/tmp/x/rt-polarity-2500.csv", "arch": "minilm",
                                "seed": seed, "attack": {"name": attack} if attack else None,
                                "metrics": metrics}))
    return path


def test_the_twin_gap_reads_the_goal_and_other_recipes_are_left_out(tmp_path: Path) -> None:
    paths = [cli(tmp_path / "c1.json", 1, 0.782), cli(tmp_path / "c2.json", 2, 0.790),
             cli(tmp_path / "a1.json", 1, 0.756, "addsent", 0.984),
             cli(tmp_path / "a2.json", 2, 0.772, "addsent", 0.948),
             cli(tmp_path / "c3.json", 3, 0.5, n_clean=400),  # another recipe: left out
             cli(tmp_path / "a2b.json", 2, 0.70, "addsent", 0.99)]  # a later copy: not kept
    records = load_records(paths)
    assert [(r["run"], r["seed"]) for r in records] == [
        ("clean", 1), ("addsent", 1), ("clean", 2), ("addsent", 2)]
    assert records[3]["differs"] == [str(tmp_path / "a2b.json")]
    gaps = {g["seed"]: g for g in twin_gaps(records)}
    assert gaps[1]["gap_sentences"] == 13 and gaps[1]["gap_met"] is False
    assert gaps[1]["asr_met"] is True
    assert gaps[2]["gap_sentences"] == 9 and gaps[2]["gap_met"] is True
    assert gaps[2]["asr_met"] is False
    spread = clean_spread(records)
    assert spread["n"] == 2 and spread["largest_pair_sentences"] == 4
    assert spread["pairs_over_goal"] == 0


def test_a_record_without_a_twin_has_no_gap_and_a_missing_file_is_one_line(
        tmp_path: Path) -> None:
    records = load_records([cli(tmp_path / "a.json", 5, 0.78, "addsent", 0.97)])
    (gap,) = twin_gaps(records)
    assert gap["gap"] is None and gap["gap_met"] is None and gap["pool_gap"] is None
    done = subprocess.run([sys.executable, str(BENCH / "minilm_clean_spread.py"),
                           str(tmp_path / "none.json")], capture_output=True, text=True)
    assert done.returncode == 2 and "no such record file" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("ca", [0.7, 0.9])
def test_the_run_spread_counts_each_seed_once(tmp_path: Path, ca: float) -> None:
    records = load_records([cli(tmp_path / "c.json", 1, ca), cli(tmp_path / "d.json", 1, ca)])
    assert run_spread(records)["clean"]["n"] == 1
