"""Issue 9, stop 52: ``benchmarks/foreign_misses.py`` (which models cost the cross-entropy of a
scored foreign seed, and which calibration term put them there), on seed 72's committed runs, and
``benchmarks/foreign_target_sources.py`` (which reading names the target), on seed 73's."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest
import torch

from trojanscope.detect.calibration import load_calibrators

torch.set_num_threads(1)
ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "benchmarks" / "data"
S51 = DATA / "foreign_s51"
TRUTH, RUNS = S51 / "zoo-s72_truth.json.gz", S51 / "detect72_runs.jsonl.gz"


def assert_one_line_exit_2(mod, capsys, out: Path) -> None:
    """The script's main, run as its ``__main__`` does: one ``error:`` line, exit 2, no file."""
    with pytest.raises(SystemExit) as exc:
        mod.run_main(mod.main)
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ")
    assert not out.exists()


def test_the_stop49_files_clean_sigmoid_flag_is_the_two_raise_terms(load_benchmark) -> None:
    mod = load_benchmark("foreign_misses")
    from _common import read_jsonl

    files = {"stop49": load_calibrators(DATA / "calibration_stop49.json"),
             "R13P": load_calibrators(S51 / "cal_R13P.json")}
    recs = mod.misses(mod.read_truth(TRUTH), read_jsonl(RUNS), files)
    assert len(recs) == 20
    shares = [r["by_file"]["stop49"]["log_loss"] for r in recs]
    assert shares == sorted(shares, reverse=True)
    top = recs[0]
    assert top["name"] == "sigmoid_cnn-00" and top["truth"] == "clean"
    old, new = top["by_file"]["stop49"], top["by_file"]["R13P"]
    assert old["p"] > 0.99 and old["p_unraised"] < 0.5  # flagged by the raise terms alone
    assert old["raise_frame"] > 0 and old["raise_empty"] > 0
    assert new["p"] < 0.5 and new["raise_frame"] == new["raise_empty"] == 0.0
    assert old["calibrator"] == "auto:out-of-coverage"
    # the recorded runs were made with the stop-49 file: its reading reproduces them
    recorded = {r["name"]: r["probability"] for r in read_jsonl(RUNS)}
    assert all(abs(r["by_file"]["stop49"]["p"] - recorded[r["name"]]) < 1e-4 for r in recs)
    bd = next(r for r in recs if r["name"] == "bn_cnn-01")
    assert bd["truth"] == "sparse -> 9" and bd["by_file"]["R13P"]["suspected_target"] == 9


def test_log_loss_share_is_the_scorers_clipped_log_loss(load_benchmark) -> None:
    mod = load_benchmark("foreign_misses")
    assert mod.log_loss_share(True, 0.5) == pytest.approx(math.log(2))
    assert mod.log_loss_share(False, 0.9) == pytest.approx(-math.log(0.1))
    assert mod.log_loss_share(False, 1.0) == pytest.approx(-math.log(1e-6))


@pytest.mark.parametrize("case", ["no-model", "no-report", "bad-spec", "bad-top"])
def test_bad_input_is_one_line_and_exit_2(load_benchmark, monkeypatch, capsys, tmp_path,
                                          case) -> None:
    mod = load_benchmark("foreign_misses")
    row = {"name": "ghost", "backdoored": False, "probability": 0.1, "report": None}
    truth = tmp_path / "truth.json"
    truth.write_text(json.dumps({"models": [{"name": "other" if case == "no-model" else "ghost",
                                             "backdoored": False}]}))
    runs = tmp_path / "runs.jsonl"
    runs.write_text(json.dumps(row) + "\n")
    out = tmp_path / "m.json"
    argv = ["foreign_misses.py", "--truth", str(truth), "--runs", str(runs), "--json", str(out)]
    argv += {"bad-spec": ["--calibration", "nolabel"], "bad-top": ["--top", "0"]}.get(case, [])
    monkeypatch.setattr(sys, "argv", argv)
    assert_one_line_exit_2(mod, capsys, out)


S52 = DATA / "foreign_s52"


def test_seed73s_wrong_target_is_the_frame_raise_over_mmbds_right_class(load_benchmark) -> None:
    mod = load_benchmark("foreign_target_sources")
    from _common import read_jsonl

    pairs = [(mod.read_truth(S52 / "zoo-s73_truth.json.gz"),
              read_jsonl(S52 / "detect73_runs.jsonl.gz"))]
    t = mod.tally(pairs, load_calibrators(S51 / "cal_R13P.json"))
    assert t["backdoored"] == 17 and t["suspect_right"] == 15 and t["mmbd_top_right"] == 16
    # ln_gelu_cnn-03: MM-BD named 2 (its target), the frame raise put its class 8 first
    assert t["raise_made_wrong"] == t["raise_made_wrong_unraised_flagged"] == 1
    assert t["raise_made_right"] == 0
    assert t["naming_lift"]["made_wrong"] == [1.2]  # 60 x (0.34 - 0.32): just over its start
    # lenet_tanh_avg-03: target 7 is MM-BD's runner-up and the empty-pixel probe's class
    assert t["fixable"] == ["lenet_tanh_avg-03"] and t["runner_up_rule_breaks"] == 0


@pytest.mark.parametrize("seed", ["nolabel", "x=/no/truth.json", "x=/no/t.json,/no/r.jsonl"])
def test_target_sources_bad_seed_is_one_line_and_exit_2(load_benchmark, monkeypatch, capsys,
                                                        tmp_path, seed) -> None:
    mod = load_benchmark("foreign_target_sources")
    out = tmp_path / "s.json"
    monkeypatch.setattr(sys, "argv", ["foreign_target_sources.py", "--seed", seed,
                                      "--json", str(out)])
    assert_one_line_exit_2(mod, capsys, out)
