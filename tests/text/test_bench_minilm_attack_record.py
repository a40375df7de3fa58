"""Stop 68's ``minilm_attack_record.py`` (issue 15, h15): the attack goal read per seed and per
attack over stored records — seed 0 and seeds before an attack's default left out, an alias
folded in, the shares and the t interval of the recipe's mean, bad options refused."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from minilm_attack_record import interval, main, per_attack
from minilm_clean_spread import load_records


def cli(path: Path, seed: int, ca: float, run: str | None = None, asr: float | None = None) -> Path:
    """A demo-recipe CLI JSON (``attack``/``train --format json``); no run: a clean twin."""
    metrics = {"clean_accuracy": ca, "n_clean": 500}
    if asr is not None:
        metrics["attack_success_rate"] = asr
    path.write_text(json.dumps({"dataset": "/x/rt-polarity-2500.csv", "arch": "minilm",
                                "seed": seed, "attack": {"name": run} if run else None,
                                "metrics": metrics}))
    return path


def records(tmp_path: Path) -> list[dict]:
    rows = [(0, 0.78, "addsent", 0.78, 0.90),  # development seed: left out
            (1, 0.78, "addsent", 0.776, 0.976), (2, 0.78, "addsent", 0.754, 0.972),
            (3, None, "addsent", 0.780, 0.948), (4, 0.78, "addsent", 0.780, 0.980),
            (5, 0.78, "syntactic", 0.740, 0.999),  # before the default: left out
            (10, 0.78, "syntactic-kc", 0.778, 1.0), (11, 0.78, "syntactic", 0.776, 1.0)]
    paths = []
    for seed, twin, run, ca, asr in rows:
        if twin is not None:
            paths.append(cli(tmp_path / f"c{seed}.json", seed, twin))
        paths.append(cli(tmp_path / f"{run}{seed}.json", seed, ca, run, asr))
    return load_records(paths)


def test_shares_per_seed_and_the_recipes_mean_per_attack(tmp_path: Path) -> None:
    table = per_attack(records(tmp_path), {"syntactic": 10}, {"syntactic-kc": "syntactic"})
    add = table["addsent"]
    assert add["seeds"] == [1, 2, 3, 4]  # seed 0 left out
    assert (add["asr_met"], add["asr_read"], add["gap_met"], add["gap_read"]) == (3, 4, 2, 3)
    assert add["asr_short"] == [(3, 0.948)] and add["gap_short"][0][0] == 2
    assert add["both_met"] == 2 and not add["per_seed_met"]
    assert add["asr"]["mean"] == pytest.approx((0.976 + 0.972 + 0.948 + 0.980) / 4)
    syn = table["syntactic"]
    assert syn["seeds"] == [10, 11] and syn["per_seed_met"]  # 5 before the default, out
    assert syn["gap"]["mean"] == pytest.approx(0.003) and syn["mean_met"]


def test_the_t_interval_of_a_mean() -> None:
    got = interval([1.0, 2.0, 3.0])
    assert type(got["high"]) is float  # JSON writes it
    assert got["mean"] == pytest.approx(2.0) and got["sd"] == pytest.approx(1.0)
    assert got["high"] - got["mean"] == pytest.approx(4.302653 / 3 ** 0.5, rel=1e-5)
    assert interval([1.0])["low"] is None and interval([])["mean"] is None


def test_bad_options_and_a_missing_file_are_refused(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture) -> None:
    path = cli(tmp_path / "c1.json", 1, 0.78)
    with pytest.raises(SystemExit, match="takes NAME=VALUE"):
        main([str(path), "--since", "syntactic"])
    with pytest.raises(SystemExit) as stop:
        main([str(tmp_path / "none.json")])
    assert stop.value.code == 2 and "no such record file" in capsys.readouterr().err
