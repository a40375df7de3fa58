"""Issue 9, stop 50: ``benchmarks/own_eval_recal.py`` scores one run of a zoo with several
calibration files (point (d) of stop 49b's R13 rule on ``zoo/eval``)."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import pytest
import torch

torch.set_num_threads(1)
ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "benchmarks" / "data"
STOP49 = DATA / "calibration_stop49.json"  # the stop-49 default (shipped at stop 49)
R13 = DATA / "foreign_s49b" / "cal_R13.json"


def _reports(frame_gap: float) -> list[dict]:
    """Two stop-37b ``zoo/eval`` rows (a clean ReLU CNN, a backdoored one) as uncalibrated
    reports, the clean one given a frame reading of ``frame_gap`` towards class 3."""
    with gzip.open(DATA / "issue9_rows" / "stop37b_eval_shipped.json.gz") as f:
        rows = json.loads(f.read())
    out = []
    for r in rows["rows"][:1] + [r for r in rows["rows"] if r["name"] == "badnets-004"]:
        top = r["predicted_target"]
        feats = dict(r["features"])
        if not r["backdoored"]:
            feats.update(frame_share_gap=frame_gap, frame_top_class=3.0)
        out.append({"name": r["name"], "backdoored": r["backdoored"], "attack": r["attack"],
                    "target": r["target"], "report": {
                        "method": r["method"], "statistic": r["statistic"],
                        "target_classes": [top, *(c for c in range(10) if c != top)],
                        "features": feats, "data_free": False, "traits": r["traits"],
                        "family": r["family"], "elapsed_s": 1.0}})
    return out


def _files() -> tuple[Path, Path]:
    """The stop-49 default (its committed copy, whichever file ships) and R13."""
    return STOP49, R13


def test_one_run_scored_by_two_files_moves_only_what_r13_moves(load_benchmark) -> None:
    mod = load_benchmark("own_eval_recal")
    before, r13 = _files()
    rows = _reports(0.40)  # above the stop-49 ReLU-CNN frame start 0.32, below R13's 0.4833
    res = {"a": mod.score_file(rows, before), "b": mod.score_file(rows, r13)}
    again = mod.score_file(rows, before)  # the stored reports are not changed by scoring
    assert again["rows"] == res["a"]["rows"]
    diff = mod.compare(res, "a")
    assert diff["a"]["moved"] == {} and diff["a"]["d_cross_entropy"] == 0.0
    moved = diff["b"]["moved"]
    assert list(moved) == ["clean-000"]  # lifted by the frame term under the stop-49 start only
    assert moved["clean-000"][1] < moved["clean-000"][0]
    lifted = {r["name"]: r for r in res["a"]["rows"]}["clean-000"]
    assert lifted["features"]["raise_logit_frame"] > 0 and lifted["predicted_target"] == 3


def test_below_both_starts_no_file_moves_anything(load_benchmark) -> None:
    mod = load_benchmark("own_eval_recal")
    before, r13 = _files()
    rows = _reports(0.05)
    res = {"a": mod.score_file(rows, before), "b": mod.score_file(rows, r13)}
    assert mod.compare(res, "a")["b"]["moved"] == {}


@pytest.mark.parametrize("argv", [
    ["--calibration", "x=/no/such.json", "--reuse", "/no/rows.jsonl"],
    ["--reuse", "/no/rows.jsonl"],
    ["/no/zoo"],
])
def test_bad_input_is_one_line_and_exit_2(load_benchmark, monkeypatch, capsys, argv) -> None:
    mod = load_benchmark("own_eval_recal")
    monkeypatch.setattr(sys, "argv", ["own_eval_recal.py", *argv])
    with pytest.raises(SystemExit) as exc:
        mod.main()
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ")


@pytest.mark.parametrize("name", ["rows.jsonl", "rows.jsonl.gz"])
def test_reuse_scores_stored_reports(load_benchmark, tmp_path, monkeypatch, capsys, name) -> None:
    mod = load_benchmark("own_eval_recal")
    before, r13 = _files()
    rows = tmp_path / name
    text = "".join(json.dumps(r) + "\n" for r in _reports(0.40))
    if name.endswith(".gz"):  # the committed rows (foreign_s50/eval_rows_s50.jsonl.gz) are gzipped
        rows.write_bytes(gzip.compress(text.encode()))
    else:
        rows.write_text(text)
    out = tmp_path / "out.json"
    monkeypatch.setattr(sys, "argv", ["own_eval_recal.py", "--reuse", str(rows), "--calibration",
                                      f"before={before}", "--calibration", f"R13={r13}",
                                      "--json", str(out)])
    mod.main()
    res = json.loads(out.read_text())
    assert list(res["vs_before"]["R13"]["moved"]) == ["clean-000"]
    assert "R13: ROC-AUC" in capsys.readouterr().out


def test_identity_names_the_largest_reading_difference(load_benchmark) -> None:
    mod = load_benchmark("own_eval_recal")
    rows = _reports(0.40)
    with gzip.open(DATA / "issue9_rows" / "stop37b_eval_shipped.json.gz") as f:
        recorded = json.loads(f.read())
    recorded["rows"] = [r for r in recorded["rows"] if r["name"] in ("clean-000", "badnets-004")]
    res = mod.identity(rows, recorded)
    assert res["same_models"] and res["max_abs_diff"]["statistic"] == 0.0
    rows[1]["report"]["statistic"] += 0.5
    rows[1]["target"] = (rows[1]["target"] + 1) % 10
    res = mod.identity(rows, recorded)
    assert not res["same_models"] and res["max_abs_diff"]["statistic"] == pytest.approx(0.5)
