"""Issue 9, stop 48: the frame raise term started per activation × kind group, covered groups
included (``fitted_on.gate_start["<trait>@dense|@conv"]``, :func:`calibration.gate_shift`), and the
candidate file of ``benchmarks/frame_group_loso.py``."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
import torch

from trojanscope.detect.base import ModelVerdict
from trojanscope.detect.calibration import calibrate, gate_shift, gated_off, load_calibrators

torch.set_num_threads(1)
ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "benchmarks" / "data"
STOP49 = DATA / "calibration_stop49.json"  # the file shipped at stop 49 (the candidates' base)
F9 = DATA / "foreign_s47" / "cal_F9.json"
H10 = DATA / "foreign_s48" / "cal_H10.json"
FRAME = "auto:raise:frame"


def _verdict(name: str) -> ModelVerdict:
    """Seed 67's recorded run of model ``name`` (stop 47), as calibration reads it."""
    with gzip.open(DATA / "foreign_s47" / "detect67_runs.jsonl.gz", "rt") as f:
        report = next(r for r in map(json.loads, f) if r["name"] == name)["report"]
    return ModelVerdict(report["method"], report["statistic"], list(report["ranking"]), [],
                        features=dict(report["features"]), traits=list(report["traits"]),
                        data_free=bool(report["data_free"]))


def test_a_kind_start_moves_a_covered_activation_of_that_kind_only() -> None:
    term = load_calibrators(H10)[FRAME]
    start = term.fitted_on["gate_start"]["activation:tanh@dense"]
    assert start > 0.45
    # tanh is covered (9 own-engine models): F9 left it alone, H starts a tanh MLP at its own start
    assert gate_shift(load_calibrators(F9)[FRAME], ["activation:tanh"]) == 0.0
    assert gate_shift(term, ["activation:tanh"]) == pytest.approx(-60.0 * (start - 0.32))
    assert gate_shift(term, ["activation:tanh", "layer:conv", "pool:avg"]) == 0.0  # tanh@conv 0.32
    assert gate_shift(term, ["activation:relu", "layer:conv", "pool:max"]) == 0.0  # left as is
    assert gated_off(term, ["activation:tanh"]) == []


def test_a_kind_start_wins_over_the_plain_one() -> None:
    term = load_calibrators(H10)[FRAME]
    term.fitted_on["gate_start"] = {"activation:sigmoid": 0.48, "activation:sigmoid@conv": 0.40}
    assert gate_shift(term, ["activation:sigmoid", "layer:conv"]) == pytest.approx(-60 * 0.08)
    assert gate_shift(term, ["activation:sigmoid"]) == pytest.approx(-60 * 0.16)  # dense: plain
    # an uncovered activation with only a start of the other kind stays gated
    term.fitted_on["gate_start"] = {"activation:sigmoid@conv": 0.40}
    assert gated_off(term, ["activation:sigmoid"]) == ["activation:sigmoid"]
    assert gated_off(term, ["activation:sigmoid", "layer:conv"]) == []


def test_seed67s_clean_tanh_mlp_is_not_raised_by_h10() -> None:
    # mlp-00 (clean tanh MLP): F9 lifted it by the frame term (gap 0.562, dense start 0.43)
    v_f, v_h = _verdict("mlp-00"), _verdict("mlp-00")
    calibrate(v_f, load_calibrators(F9))
    calibrate(v_h, load_calibrators(H10))
    assert v_f.features["raise_logit_frame"] > 5.0
    assert "raise_logit_frame" not in v_h.features
    assert v_h.probability is not None and v_f.probability is not None
    assert v_h.probability < v_f.probability


@pytest.mark.parametrize("key", ["activation:tanh@mlp", "activation:nope@dense", "@dense"])
def test_a_malformed_kind_key_is_refused(tmp_path: Path, key: str) -> None:
    cals = json.loads(H10.read_text())
    cals[FRAME]["fitted_on"]["gate_start"] = {key: 0.4}
    (tmp_path / "c.json").write_text(json.dumps(cals))
    with pytest.raises(ValueError, match="gate_start"):
        load_calibrators(tmp_path / "c.json")


def test_the_candidate_file_differs_from_the_shipped_one_only_as_meant() -> None:
    shipped, cand = json.loads(STOP49.read_text()), json.loads(H10.read_text())
    assert set(cand) == set(shipped)
    assert {k for k in shipped if shipped[k] != cand[k]} == {"auto:out-of-coverage", FRAME}
    assert "activation:relu@conv" not in cand[FRAME]["fitted_on"]["gate_start"]
    wider = cand["auto:out-of-coverage"]["fitted_on"]
    assert wider["zoo"] == [f"foreign seed {s}" for s in (50, 51, 60, 61, 62, 63, 64, 65, 66, 67)]


def test_fit_group_starts_per_activation_and_kind(load_benchmark) -> None:
    mod = load_benchmark("frame_group_loso")
    term = load_calibrators(F9)[FRAME]

    def row(gap: float, act: str, conv: bool, bd: bool = False) -> dict:
        traits = [f"activation:{act}"] + (["layer:conv"] if conv else [])
        return {"backdoored": bd, "report": {"traits": traits, "features": {
            "frame_share_gap": gap, "first_layer_dense": 0.0 if conv else 1.0}}}

    rows = [row(0.5 + i / 100, "tanh", False) for i in range(5)] + [row(0.9, "tanh", False, True)]
    rows += [row(0.1, "tanh", True)] * 5 + [row(0.9, "relu", True)] * 6
    rows += [row(0.2, "relu", False)] * 4
    starts = mod.fit_group_starts(term, rows)
    assert starts["activation:tanh@dense"]["start"] == pytest.approx(0.54 - 0.11 + 0.05)
    assert starts["activation:tanh@dense"]["clean"] == 5  # the backdoored run is not read
    assert starts["activation:tanh@conv"]["start"] == pytest.approx(0.32)  # never below
    assert starts["activation:relu@conv"]["start"] is None  # the term's own group
    assert starts["activation:relu@dense"]["start"] is None  # 4 clean < MIN_COVERED
    assert mod.fit_group_starts(term, rows, skip=())["activation:relu@conv"]["start"] == (
        pytest.approx(0.95))
