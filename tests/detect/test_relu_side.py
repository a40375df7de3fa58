"""Issue 9, stop 51: stop 49b's empty-pixel-only side column as a file (``cal_R13P.json``,
``benchmarks/relu_side_write.py``) and the stop-51 rule's check (``rule_s51_check.py``)."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import pytest
import torch

from trojanscope.detect.calibration import gate_shift, load_calibrators

torch.set_num_threads(1)
ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "benchmarks" / "data"
STOP49 = DATA / "calibration_stop49.json"
R13 = DATA / "foreign_s49b" / "cal_R13.json"
R13P = DATA / "foreign_s51" / "cal_R13P.json"
RELU_CNN = ["activation:relu", "layer:conv", "pool:max"]
FRAME, PIXEL = "auto:raise:frame", "auto:raise"


def test_r13p_is_r13_without_the_frame_relu_cnn_start() -> None:
    r13, side = json.loads(R13.read_text()), json.loads(R13P.read_text())
    assert [k for k in r13 if r13[k] != side[k]] == [FRAME]
    a, b = r13[FRAME]["fitted_on"]["gate_start"], side[FRAME]["fitted_on"]["gate_start"]
    assert set(a) - set(b) == {"activation:relu@conv"}
    assert all(b[k] == a[k] for k in b)


def test_r13p_keeps_the_frame_start_on_relu_cnns_and_r13s_empty_pixel_start() -> None:
    stop49, r13, side = (load_calibrators(p) for p in (STOP49, R13, R13P))
    assert gate_shift(side[FRAME], RELU_CNN) == gate_shift(stop49[FRAME], RELU_CNN) == 0.0
    assert gate_shift(r13[FRAME], RELU_CNN) < 0.0
    assert gate_shift(side[PIXEL], RELU_CNN) == gate_shift(r13[PIXEL], RELU_CNN) < 0.0


def test_the_committed_file_is_what_the_script_writes(load_benchmark) -> None:
    mod = load_benchmark("relu_side_write")
    loso = load_benchmark("relu_group_loso")
    rows = [r for runs, _ in loso.SEEDS13.values() for r in mod.read_rows(DATA / runs)]
    assert mod.side_file(rows, sorted(loso.SEEDS13)) == json.loads(R13P.read_text())


def test_a_side_fit_differing_beyond_the_relu_key_is_refused(load_benchmark) -> None:
    mod = load_benchmark("relu_side_write")
    with pytest.raises(SystemExit, match="differ from R13"):
        mod.side_file([], [])  # no rows: no group start at all


def _zoo(tmp: Path, name: str) -> Path:
    zoo = tmp / name
    zoo.mkdir()
    with gzip.open(DATA / "foreign_s49b" / "zoo-s71_truth.json.gz", "rt") as fh:
        (zoo / "truth.json").write_text(fh.read())
    (zoo / "clean.npz").touch()
    return zoo


def _runs(tmp: Path, name: str, lift: dict[str, float]) -> Path:
    """Seed 71's recorded runs, the probabilities of the named models replaced."""
    with gzip.open(DATA / "foreign_s49b" / "detect71_runs.jsonl.gz", "rt") as fh:
        rows = [json.loads(line) for line in fh]
    for r in rows:
        r["probability"] = lift.get(r["name"], r["probability"])
    path = tmp / name
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


# benchmark machinery (stop 60): a script of benchmarks/ or its stored readings, not the product
@pytest.mark.slow
def test_rule_holds_per_seed_and_pooled_and_fails_on_one_more_clean_flag(
        load_benchmark, tmp_path, monkeypatch, capsys) -> None:
    mod = load_benchmark("rule_s51_check")
    z1, z2 = _zoo(tmp_path, "zoo-a"), _zoo(tmp_path, "zoo-b")
    default = _runs(tmp_path, "d.jsonl", {})
    better = _runs(tmp_path, "c.jsonl", {"ln_gelu_cnn-00": 0.2})  # the default's one clean flag
    worse = _runs(tmp_path, "w.jsonl", {"bn_cnn-00": 0.7})  # a clean model flagged
    out = tmp_path / "rule.json"
    monkeypatch.setattr(sys, "argv", ["rule_s51_check.py", "--seed", f"{z1},{default},{better}",
                                      "--seed", f"{z2},{default},{better}", "--json", str(out)])
    mod.main()
    res = json.loads(out.read_text())
    assert res["met"] and set(res["parts"]) == {"zoo-a", "zoo-b", "pooled"}
    pooled = res["parts"]["pooled"]
    assert pooled["default"]["n"] == 40 and len(pooled["default"]["clean_flagged"]) == 2
    assert pooled["candidate"]["clean_flagged"] == []
    monkeypatch.setattr(sys, "argv", ["rule_s51_check.py", "--seed", f"{z1},{default},{better}",
                                      "--seed", f"{z2},{default},{worse}", "--json", str(out)])
    mod.main()
    res = json.loads(out.read_text())
    assert not res["met"] and res["parts"]["zoo-a"]["holds"]
    assert not res["parts"]["zoo-b"]["conditions"]["clean_flagged"]
    assert "rule (per seed and pooled) not met" in capsys.readouterr().out


@pytest.mark.parametrize("seed", ["/no/zoo,/no/d.jsonl,/no/c.jsonl", "only,two"])
def test_bad_seed_is_one_line_and_exit_2(load_benchmark, monkeypatch, capsys, seed) -> None:
    mod = load_benchmark("rule_s51_check")
    monkeypatch.setattr(sys, "argv", ["rule_s51_check.py", "--seed", seed])
    with pytest.raises(SystemExit) as exc:
        mod.main()
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ")
