"""Issue 9, stop 54 (h9B): ``TROJANSCOPE_ACTIVATION_TRAITS=route-u`` (C-U) routes a model with
an activation no calibration holds to the wider calibrator as ``route`` does, but applies the
gated raise terms from h9F's unseen start instead of switching them off; a covered model is
scored exactly as before; a bad mode is refused at command start."""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from script_run import run_script
from trojanscope.activation_modes import MODES, check_mode
from trojanscope.detect import coverage
from trojanscope.detect.base import ModelVerdict
from trojanscope.detect.calibration import calibrate, load_calibrators, unseen_start
from trojanscope.detect.coverage import architecture_traits
from trojanscope.errors import UserInputError

torch.set_num_threads(1)
ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "benchmarks" / "data"
N = DATA / "foreign_s53b" / "cal_N.json"  # shipped before stop 55's V: no gate_unseen


def _runs(path: str) -> dict[str, dict]:
    rows = [json.loads(x) for x in gzip.decompress((DATA / path).read_bytes()).splitlines()]
    return {r["name"]: r["report"] for r in rows}


def _verdict(rep: dict) -> ModelVerdict:
    return ModelVerdict(method=rep["method"], statistic=rep["statistic"],
                        target_classes=list(rep["ranking"]), per_class=[],
                        features=dict(rep["features"]), data_free=False,
                        traits=list(rep["traits"]))


def _p(rep: dict, mode: str, monkeypatch, path: Path | None = None) -> ModelVerdict:
    """``rep`` calibrated in ``mode`` by the file at ``path`` (the shipped one by default)."""
    monkeypatch.setattr(coverage, "ACTIVATION_TRAITS", mode)
    return calibrate(_verdict(rep), load_calibrators(path) if path else load_calibrators())


def test_route_u_keeps_the_frame_term_from_the_unseen_start(monkeypatch) -> None:
    # seed 75's frame-trigger ReLU6 CNN (C's run: routed, probes read): C switched the frame
    # term off (p 0.381); C-U applies it from the highest conv start, sigmoid's 0.575
    rep = _runs("foreign_s53a/cand75_runs.jsonl.gz")["relu6_cnn-03"]
    assert "activation:hardtanh" in rep["traits"]
    off = _p(rep, "route", monkeypatch, N)
    # since stop 55 the shipped file (V) starts an unfitted activation group at the highest
    # start of its kind in every mode, so `route` reads it as `route-u` does
    assert math.isclose(_p(rep, "route", monkeypatch).probability,
                        _p(rep, "route-u", monkeypatch, N).probability, rel_tol=1e-12)
    on = _p(rep, "route-u", monkeypatch, N)
    assert off.probability < 0.5 < on.probability
    frame = load_calibrators(N)["auto:raise:frame"]
    assert unseen_start(frame, rep["traits"]) == 0.575
    gap = rep["features"]["frame_share_gap"]
    lift = float(frame.fitted_on["slope"]) * (gap - 0.575)
    assert math.isclose(on.features["raise_logit_frame"], lift, rel_tol=1e-6)
    assert on.target_classes[0] == 3  # its real target
    assert any("probability from the wider calibration" in n for n in on.coverage_notes)
    assert not any("not applied" in n for n in on.coverage_notes)


def test_route_u_scores_a_covered_model_as_the_default_does(monkeypatch) -> None:
    runs = _runs("foreign_s53b/detect76_runs.jsonl.gz")
    for name in sorted(runs)[:12]:
        note = _p(runs[name], "note", monkeypatch)
        cu = _p(runs[name], "route-u", monkeypatch)
        assert cu.probability == note.probability, name
        assert cu.target_classes == note.target_classes, name
        assert cu.coverage_notes == note.coverage_notes, name


def test_unseen_start_only_for_a_new_activation_in_route_u(monkeypatch) -> None:
    frame = load_calibrators(N)["auto:raise:frame"]
    new = ["activation:softsign", "layer:conv", "pool:avg"]
    shipped = load_calibrators()["auto:raise:frame"]  # V since stop 55: every mode
    for mode, want in (("note", None), ("route", None), ("route-u", 0.575)):
        monkeypatch.setattr(coverage, "ACTIVATION_TRAITS", mode)
        assert unseen_start(frame, new) == want
        assert unseen_start(shipped, new) == 0.575
    assert unseen_start(frame, ["activation:relu", "layer:conv", "pool:max"]) is None
    assert unseen_start(frame, ["activation:logsigmoid"]) == 0.5017  # dense: tanh's


def test_the_mode_is_checked_in_one_place() -> None:
    assert check_mode(None) == "route-u"  # the default since seed 78's rule was met
    for mode in MODES:
        assert check_mode(mode) == mode
    with pytest.raises(UserInputError, match="TROJANSCOPE_ACTIVATION_TRAITS='Route'"):
        check_mode("Route")


def test_a_bad_mode_is_refused_at_command_start(tmp_path: Path, monkeypatch, capsys) -> None:
    # before any model loads: a file that is not there is not even looked at
    from trojanscope.cli.main import run

    out = tmp_path / "report"
    monkeypatch.setenv("TROJANSCOPE_ACTIVATION_TRAITS", "rout")
    assert run(["audit", str(tmp_path / "model.pt"), "--data", "mnist", "--report",
                str(out)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == ["error: TROJANSCOPE_ACTIVATION_TRAITS='rout': want note, route, route-u, "
                     "off (or unset: route-u)"]
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_the_third_new_activations_plan(load_benchmark) -> None:
    zoo = load_benchmark("foreign_zoo")
    rows = zoo.plan(4, 78, new_activations3=True)
    assert [r["arch_family"] for r in rows] == [f for f in zoo.NEW_ACT3_ARCH for _ in range(4)]
    assert sum(r["backdoored"] for r in rows) == 6
    assert zoo.plan(4, 75, new_activations=True, new_activations2=True) == zoo.plan(
        4, 75, new_activations=True, new_activations2=True, new_activations3=False)
    both = zoo.plan(4, 78, new_activations3=True,
                    counts=zoo.parse_counts("softsign_lenet=4,selu_mlp=4"))
    assert {r["trigger_family"] for r in both if r["backdoored"]} <= set(
        zoo.TRIGGER_FAMILIES + zoo.FRESH_TRIGGERS)
    soft = [r for r in rows if r["arch_family"] == "softsign_lenet"]
    assert all(r["recipe"]["lr"] >= 3e-3 for r in soft)  # trained at 3x the drawn rate


@pytest.mark.parametrize("fam,trait", [("softsign_lenet", "activation:softsign"),
                                       ("hardsigmoid_gate_cnn", "activation:hardsigmoid"),
                                       ("logsigmoid_mlp", "activation:logsigmoid")])
def test_each_new_family_reads_its_activation_alone(load_benchmark, tmp_path, fam, trait,
                                                    monkeypatch) -> None:
    monkeypatch.setattr(coverage, "ACTIVATION_TRAITS", "note")
    zoo = load_benchmark("foreign_zoo")
    model, _ = zoo.build(fam, np.random.default_rng(0))
    assert model(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
    traced = torch.jit.trace(model, torch.rand(2, 1, 28, 28))
    traced.save(str(tmp_path / "m.pt"))
    for form in (model, torch.jit.load(str(tmp_path / "m.pt"))):
        acts = {t for t in architecture_traits(form) if t.startswith("activation:")}
        assert acts == {trait}


def test_the_new_checks_refuse_bad_arguments(tmp_path: Path) -> None:
    src = str(ROOT / "src")
    for script, args in (
            ("rule_s54b_check.py", [str(tmp_path), str(tmp_path / "d.jsonl"),
                                    str(tmp_path / "c.jsonl")]),
            ("paired_detect.py", [str(tmp_path), "--tree", f"a={src},r.jsonl,=x"]),
            ("data/foreign_s54b/dev.py", [str(tmp_path / "none")])):
        (tmp_path / "truth.json").write_text('{"models": []}')
        proc = run_script(script, *args)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, (script, proc.stderr)
        assert proc.stderr.startswith("error: ") and len(proc.stderr.strip().splitlines()) == 1
