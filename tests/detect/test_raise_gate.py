"""Issue 9, stop 45: a raise term gated on the model's traits (``fitted_on.gate``), and the
opt-in candidate file ``benchmarks/data/foreign_s45/cal_gated.json`` (candidate G: the frame
raise term off on activations its coverage lacks)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from trojanscope.detect.base import ModelVerdict
from trojanscope.detect.calibration import calibrate, gated_off, load_calibrators
from trojanscope.errors import UserInputError

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "benchmarks" / "data"
GATED = DATA / "foreign_s45" / "cal_gated.json"
STOP49 = DATA / "calibration_stop49.json"  # the file shipped at stop 49: seed 63's lifts read it
FRAME = "auto:raise:frame"


def _verdict(name: str) -> ModelVerdict:
    """Seed 63's recorded run of model ``name`` (stop 44), as calibration reads it."""
    with gzip.open(DATA / "foreign_s44" / "detect63_runs.jsonl.gz", "rt") as f:
        report = next(r for r in map(json.loads, f) if r["name"] == name)["report"]
    return ModelVerdict(report["method"], report["statistic"], list(report["ranking"]), [],
                        features=dict(report["features"]), traits=list(report["traits"]),
                        data_free=bool(report["data_free"]))


def test_the_gated_file_differs_from_the_shipped_one_only_by_the_gate() -> None:
    shipped, gated = load_calibrators(STOP49), load_calibrators(GATED)
    assert set(shipped) == set(gated)
    for key in shipped:
        a, b = shipped[key], gated[key]
        fa = {k: v for k, v in a.fitted_on.items() if k not in ("gate", "gate_why")}
        fb = {k: v for k, v in b.fitted_on.items() if k not in ("gate", "gate_why")}
        assert (a.features, a.coef, a.intercept, a.mean, a.scale, fa) == (
            b.features, b.coef, b.intercept, b.mean, b.scale, fb), key
    assert "gate" not in shipped[FRAME].fitted_on  # opt-in: the shipped file has no gate
    assert gated[FRAME].fitted_on["gate"] == ["activation:"]


def test_gated_off_names_uncovered_activations_only() -> None:
    term = load_calibrators(GATED)[FRAME]
    assert gated_off(term, ["activation:sigmoid", "layer:conv", "pool:avg"]) == [
        "activation:sigmoid"]
    assert gated_off(term, ["activation:relu", "layer:conv", "pool:none"]) == []
    assert gated_off(term, ["activation:tanh", "pool:avg"]) == []
    assert gated_off(term, []) == []
    assert gated_off(load_calibrators(STOP49)[FRAME], ["activation:sigmoid"]) == []  # no gate


@pytest.mark.parametrize("name", ["sigmoid_cnn-02", "leaky_strided_cnn-04"])
def test_the_gate_keeps_the_frame_term_off_seed63s_uncovered_clean_cnns(name: str) -> None:
    """Fails without the gate: the shipped file raises both over 0.5 by the frame term."""
    shipped = calibrate(_verdict(name), load_calibrators(STOP49))
    assert shipped.probability > 0.5 and shipped.features["raise_logit_frame"] > 1.0
    gated = calibrate(_verdict(name), load_calibrators(GATED))
    assert gated.probability < 0.5
    assert "raise_logit_frame" not in gated.features
    assert any("'auto:raise:frame' not applied" in n for n in gated.coverage_notes)
    no_frame = {k: v for k, v in load_calibrators(STOP49).items() if k != FRAME}
    assert gated.probability == calibrate(_verdict(name), no_frame).probability


def test_the_gate_leaves_a_covered_model_as_the_shipped_file_scores_it() -> None:
    v = _verdict("mlp-00")  # ReLU: covered
    assert calibrate(v, load_calibrators(GATED)).probability == calibrate(
        _verdict("mlp-00"), load_calibrators(STOP49)).probability
    assert not any("not applied" in n for n in v.coverage_notes)


@pytest.mark.parametrize("gate", ["activation:", [], [""], [3], None])
def test_a_malformed_gate_is_refused_when_the_file_is_read(tmp_path: Path, gate) -> None:
    raw = json.loads(GATED.read_text())
    raw[FRAME]["fitted_on"]["gate"] = gate
    path = tmp_path / "cal.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(UserInputError, match=r"fitted_on\.gate must be a list"):
        load_calibrators(path)


def test_a_gate_without_coverage_is_refused(tmp_path: Path) -> None:
    raw = json.loads(GATED.read_text())
    del raw[FRAME]["fitted_on"]["coverage"]
    path = tmp_path / "cal.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(UserInputError, match=r"needs a fitted_on\.coverage"):
        load_calibrators(path)


@pytest.mark.parametrize("gate", [["activaton:"], ["activation:", "pool;"]])
def test_a_gate_prefix_no_trait_starts_with_is_refused(tmp_path: Path, gate) -> None:
    """Review of stop 45: a typo gated nothing, silently (the file was read, no note)."""
    raw = json.loads(GATED.read_text())
    raw[FRAME]["fitted_on"]["gate"] = gate
    path = tmp_path / "cal.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(UserInputError, match=r"starts no trait"):
        load_calibrators(path)


@pytest.mark.parametrize("coverage", [{"activation:relu": None}, {"activation:relu": -1},
                                      {"activation:relu": 2.5}, {"activation:relu": True},
                                      {"activation:relu": "40"}, ["activation:relu"]])
def test_a_malformed_coverage_count_is_refused_when_the_file_is_read(tmp_path: Path,
                                                                     coverage) -> None:
    """Review of stop 45: a ``null`` count in a gated term's coverage failed after the
    detector's run ("unexpected TypeError"), not when the file was read."""
    raw = json.loads(GATED.read_text())
    raw[FRAME]["fitted_on"]["coverage"] = coverage
    path = tmp_path / "cal.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(UserInputError, match=r"fitted_on\.coverage must map traits"):
        load_calibrators(path)


def test_a_fitted_on_that_is_no_object_is_refused(tmp_path: Path) -> None:
    raw = json.loads(GATED.read_text())
    raw[FRAME]["fitted_on"] = ["gate"]
    path = tmp_path / "cal.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(UserInputError, match=r"fitted_on must be an object"):
        load_calibrators(path)


def test_every_committed_calibration_file_still_loads() -> None:
    """The coverage and gate checks refuse none of the files the project ships or records."""
    def is_calibration(path: Path) -> bool:
        raw = json.loads(path.read_text())
        return isinstance(raw, dict) and bool(raw) and all(
            isinstance(c, dict) and "coef" in c and "fitted_on" in c for c in raw.values())

    files = [ROOT / "src" / "trojanscope" / "detect" / "calibration.json",
             *(f for f in sorted(DATA.glob("**/*.json")) if is_calibration(f))]
    assert len(files) >= 20 and GATED in files
    for f in files:
        load_calibrators(f)
