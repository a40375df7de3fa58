"""Issue 13's retraining figure over training seeds (``bench_detect_data_seeds.py``, stop 37):
the gap of two means, its standard error, and repeated runs that must agree."""

from __future__ import annotations

import json
import subprocess
from fractions import Fraction
from pathlib import Path

import pytest

from script_run import run_script

BENCHMARKS = Path(__file__).resolve().parents[3] / "benchmarks"

NAME = "sparse 20% all-to-one t1 s1"


def _row(seed: int, cas: dict[int, float], asr: float = 0.0011) -> dict:
    """A retrain JSON (its own seed plus ``seeds``) with ``confined`` CA per training seed."""
    fig = lambda t: {"confined": {"ca": cas[t], "asr": asr, "kept": 3280}}  # noqa: E731
    row = {"set": NAME, "n_poison": 720, "confined_tpr": 1.0, "confined_fpr": 0.004, **fig(seed)}
    row["seeds"] = {str(t): fig(t) for t in cas if t != seed}
    return {"rows": [row], "train_seed": seed}


def _run(tmp_path, refs: list[float], files: list[dict]) -> subprocess.CompletedProcess:
    args = ["--reference"]
    for t, c in enumerate(refs):
        p = tmp_path / f"ref{t}.json"
        p.write_text(json.dumps({"rows": [], "train_seed": t, "reference": {"ca": c, "asr": 0}}))
        args.append(str(p))
    args.append("--rows")
    for i, d in enumerate(files):
        p = tmp_path / f"rows{i}.json"
        p.write_text(json.dumps(d))
        args.append(str(p))
    return run_script("bench_detect_data_seeds.py", *args)


def test_gap_of_means_and_its_standard_error(load_benchmark):
    """The gap is the cleaned mean minus the reference mean over the same seeds; a gap within
    two standard errors of -1 point is marginal, and the mean decides the goal."""
    mod = load_benchmark("bench_detect_data_seeds")
    per = {t: (Fraction(c), Fraction(0)) for t, c in enumerate([96, 97, 96, 97, 96])}
    ref = {t: Fraction(c) for t, c in enumerate([97, 98, 97, 98, 97])}
    det = {"confined_tpr": 1.0, "confined_fpr": 0.01}
    r = mod.read_set(NAME, per, ref, [0, 1, 2, 3, 4], det, "confined")
    assert r["gap"] == -1 and r["goal"] and r["marginal"]
    assert r["se"] == pytest.approx((2 * 0.3 / 5) ** 0.5)
    short = mod.read_set(NAME, {0: per[0]}, ref, [0, 1, 2, 3, 4], det, "confined")
    assert not short["read"] and not short["goal"]


def test_script_reads_seeds_across_files(tmp_path):
    """Seeds 0-2 in one file and 3-4 in another make one set read over seeds 0-4; CA 96.00%
    on every seed against a reference mean of 97.20% is a miss by 1.2 points."""
    got = _run(
        tmp_path,
        [0.972] * 5,
        [_row(0, {0: 0.96, 1: 0.96, 2: 0.96}), _row(3, {3: 0.96, 4: 0.96})],
    )
    assert got.returncode == 0, got.stderr
    summary = json.loads(got.stdout.strip().splitlines()[-1])
    assert summary["read"] == 1 and summary["at_goal"] == 0
    assert summary["worst_gap"] == [NAME, -1.2]


def test_two_figures_for_one_seed_is_an_error(tmp_path):
    """The same set, variant and seed read twice with other figures: one error line, exit 2."""
    got = _run(tmp_path, [0.972] * 5, [_row(0, {0: 0.96}), _row(0, {0: 0.97})])
    assert got.returncode == 2
    assert got.stderr.strip().splitlines() == [
        f"error: {NAME} confined seed 0: two different figures"
    ]


def test_groups_count_each_family_rate_and_kind(load_benchmark):
    """``--groups``' rows: per family, rate and kind, the sets at goal of those read and the
    worst mean ASR and gap with the set that has it."""
    mod = load_benchmark("bench_detect_data_seeds")
    read = [
        {"set": "badnets 5% all-to-all t5 s1", "goal": True, "asr": Fraction(1, 2), "gap": -1},
        {"set": "badnets 1% all-to-one t2 s2", "goal": False, "asr": Fraction(3), "gap": 0},
        {"set": "wanet 1% all-to-one t2 s3", "goal": True, "asr": Fraction(1), "gap": -2},
    ]
    rows = mod.groups(read)[2:]
    assert rows == [
        "| wanet | 1 / 1 | 1.00 (s3) | -2.00 (s3) |",
        "| badnets | 1 / 2 | 3.00 (s2) | -1.00 (s1) |",
        "| 1% | 1 / 2 | 3.00 (s2) | -2.00 (s3) |",
        "| 5% | 1 / 1 | 0.50 (s1) | -1.00 (s1) |",
        "| all-to-all | 1 / 1 | 0.50 (s1) | -1.00 (s1) |",
        "| all-to-one | 1 / 2 | 3.00 (s2) | -2.00 (s3) |",
    ]
