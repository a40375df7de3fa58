"""Stop 67's ``minilm_attack_spread.py`` (issue 15, h15): a named seed's ASR and CA gap placed
among the other seeds' (itself left out), the binomial tail of its ASR, and bad input refused."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from minilm_attack_spread import binomial_at_most, place, shortfalls
from minilm_clean_spread import load_records

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


def cli(path: Path, seed: int, ca: float, asr: float | None = None) -> Path:
    """A demo-recipe CLI JSON (``attack``/``train --format json``); no ASR: a clean twin."""
    metrics = {"clean_accuracy": ca, "n_clean": 500}
    if asr is not None:
        metrics["attack_success_rate"] = asr
    path.write_text(json.dumps({"dataset": "/x/rt-polarity-2500.csv", "arch": "minilm",
                                "seed": seed, "attack": {"name": "addsent"} if asr else None,
                                "metrics": metrics}))
    return path


def records(tmp_path: Path) -> list[dict]:
    rows = [(1, 0.780, 0.776, 0.976), (2, 0.784, 0.782, 0.972), (3, 0.778, 0.780, 0.980),
            (4, 0.782, 0.756, 0.984), (5, None, 0.790, 0.948)]
    paths = []
    for seed, twin, ca, asr in rows:
        if twin is not None:
            paths.append(cli(tmp_path / f"c{seed}.json", seed, twin))
        paths.append(cli(tmp_path / f"a{seed}.json", seed, ca, asr))
    return load_records(paths)


def test_a_low_asr_and_a_large_gap_are_placed_among_the_others(tmp_path: Path) -> None:
    rows = {r["seed"]: r for r in shortfalls(records(tmp_path), [5, 4], "addsent", 250, 2.0)}
    low = rows[5]["asr"]
    assert low["rank_from_worst"] == 1 and low["of"] == 5 and low["n_others"] == 4
    assert low["mean"] == pytest.approx(0.978) and low["z"] < -2 and not low["within"]
    assert low["sentences_short"] == 1  # 237 of 250; 95% needs 238
    assert low["binomial_tail"] == pytest.approx(binomial_at_most(237, 250, 0.978))
    assert rows[5]["gap"] is None  # no twin
    gap = rows[4]["gap"]  # 2.6 points against 0.4, -0.2, -0.2
    assert gap["value"] == pytest.approx(0.026) and gap["rank_from_worst"] == 1
    assert gap["sentences_over"] == 3 and gap["others_over_goal"] == 0 and not gap["within"]
    assert gap["largest_clean_pair"] == pytest.approx(0.006)
    assert rows[4]["asr"]["within"] and rows[4]["asr"]["sentences_short"] == 0


def test_the_binomial_tail_and_a_seed_within_the_spread() -> None:
    assert binomial_at_most(250, 250, 0.9) == pytest.approx(1.0)
    assert binomial_at_most(0, 10, 0.5) == pytest.approx(2 ** -10)
    mid = place(0.5, [0.4, 0.6, 0.5], 2.0, low_is_bad=True)
    assert mid["within"] and mid["rank_from_worst"] == 2 and mid["z"] == pytest.approx(0.0)


def test_a_seed_without_a_record_and_a_missing_file_are_refused(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="no addsent record of seed 9"):
        shortfalls(records(tmp_path), [9], "addsent", 250, 2.0)
    done = subprocess.run([sys.executable, str(BENCH / "minilm_attack_spread.py"),
                           str(tmp_path / "none.json"), "--seeds", "1"],
                          capture_output=True, text=True, env={"PYTHONPATH": str(BENCH)})
    assert done.returncode == 2 and "no such record file" in done.stderr
    assert "Traceback" not in done.stderr
