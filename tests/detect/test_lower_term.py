"""Issue 9, stop 39: the lower-only calibration term (``"<calibrator>:lower:dense"``) that takes
back the ``auto`` calibrator's MM-BD p-value term where it would raise a dense model, and
``foreign_zoo_detect.py --recalibrate``, which scores another calibration file on stored runs."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from script_run import run_script
from trojanscope.detect.base import ModelVerdict
from trojanscope.detect.calibration import (
    _clip,
    _transform,
    calibrate,
    load_calibrators,
    lower_note,
    lower_term,
)
from trojanscope.errors import UserInputError

ROOT = Path(__file__).resolve().parents[2]
CANDIDATE = ROOT / "benchmarks" / "data" / "calibration-stop39-dense-lower-candidate.json"
BENCH = ROOT / "benchmarks"
STOP49 = BENCH / "data" / "calibration_stop49.json"  # the file shipped at stop 49
# seed 27's clean relu_mlp-04 (the detect JSON, stop 38's fix): p 0.906, nothing raised
CLEAN_MLP = {
    "mmbd_neglog10_p": 0.5146580300863562,
    "mmbd_anomaly": 3.3482341650662306,
    "mmbd_ratio": 1.517340512084559,
    "first_layer_dense": 1.0,
    "empty_share_gap": 0.045833,
    "empty_top_class": 6.0,
    "pixel_share_gap": 0.04,
    "pixel_top_class": 5.0,
    "frame_share_gap": 0.131667,
    "frame_top_class": 9.0,
}


def _verdict(features: dict[str, float], traits: list[str] | None = None) -> ModelVerdict:
    return ModelVerdict(
        method="auto",
        statistic=features["mmbd_neglog10_p"],
        target_classes=[0, 5, 2, 6, 8, 3, 4, 7, 9, 1],
        per_class=[],
        features=dict(features),
        traits=traits if traits is not None else ["activation:relu"],
    )


def _pvalue_term(features: dict[str, float]) -> float:
    cal = load_calibrators()["auto"]
    i = cal.features.index("mmbd_neglog10_p")
    x = _transform(_clip(features["mmbd_neglog10_p"]), cal.transform)
    return cal.coef[i] * (x - cal.mean[i]) / cal.scale[i]


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def test_the_shipped_file_lowers_a_clean_dense_mlp_as_the_candidate_did() -> None:
    """Shipped by stop 39's rule on seed 28: seed 27's clean relu_mlp-04 (0.906 before) now
    reads what the candidate file gave, and the rest of the file is the candidate's (the lower
    entry's record alone was made exact by the review of stop 39). The entry-by-entry comparison
    reads the stop-49 copy (``calibration_stop49.json``), so a later refit of other entries moves
    only ``test_calibration_stop49``."""
    shipped = load_calibrators()
    cand = load_calibrators(CANDIDATE)
    v = calibrate(_verdict(CLEAN_MLP), shipped)
    assert v.probability == pytest.approx(
        calibrate(_verdict(CLEAN_MLP), cand).probability, abs=1e-12
    )
    assert v.probability < 0.6 and v.features["lower_logit"] < -1.9
    want = json.loads(CANDIDATE.read_text())
    got = json.loads(STOP49.read_text())
    assert got["auto:lower:dense"].pop("fitted_on")["coverage"] == {"activation:relu": 210}
    want["auto:lower:dense"].pop("fitted_on")
    got.pop("auto:raise:frame"), want.pop("auto:raise:frame")  # stop 40's CNN start since
    got.pop("text-inversion:raise:unk")  # stop 45's text term (issue 15)
    for key in [k for k in got if k.endswith(":rows200")]:  # stop 40's opt-in tabular entries
        got.pop(key)
    for key in [k for k in got if k.endswith(":order-docs3")]:  # refitted, floored: stop 41
        got.pop(key), want.pop(key)
    for cal in got.values():  # stop 42: a zero pool:none count in five coverages, nothing else
        ((cal.get("fitted_on") or {}).get("coverage") or {}).pop("pool:none", None)
    assert got == want


def test_the_term_takes_back_the_positive_pvalue_term_on_a_dense_model() -> None:
    cand = load_calibrators(CANDIDATE)
    shipped = 0.9057035544171412  # before stop 39 (the detect JSON)
    v = calibrate(_verdict(CLEAN_MLP), cand)
    term = _pvalue_term(CLEAN_MLP)
    assert term > 1.9  # MM-BD found nothing, yet its p-value term added ~2 logits
    assert v.features["lower_logit"] == pytest.approx(-term, abs=1e-9)
    assert _logit(v.probability) == pytest.approx(_logit(shipped) - term, abs=1e-9)
    assert v.probability < 0.6 and not v.coverage_notes  # a correction, not a coverage note
    assert lower_note(v.features).startswith("probability lowered by")
    again = calibrate(v, cand)  # calibrating twice lowers once
    assert again.probability == pytest.approx(v.probability, abs=1e-12)


def test_the_term_never_raises_and_leaves_other_models_alone() -> None:
    cand = load_calibrators(CANDIDATE)
    before = {k: v for k, v in cand.items() if k != "auto:lower:dense"}
    significant = {**CLEAN_MLP, "mmbd_neglog10_p": 8.0}  # a p-value term <= 0: nothing
    conv = {**CLEAN_MLP, "first_layer_dense": 0.0}  # a convolution
    unknown = {k: v for k, v in CLEAN_MLP.items() if k != "first_layer_dense"}  # not an image
    for feats, traits in (
        (significant, None),
        (conv, ["activation:relu", "layer:conv", "pool:max"]),
        (unknown, None),
    ):
        a = calibrate(_verdict(feats, traits), before).probability
        b = calibrate(_verdict(feats, traits), cand)
        assert b.probability == a and "lower_logit" not in b.features
    # a model the wider calibrator scores (tanh: outside the default's coverage) is not lowered
    v = _verdict(CLEAN_MLP, ["activation:tanh"])
    assert lower_term(v, cand, "auto:out-of-coverage") == 0.0


def test_a_raise_still_raises_from_the_lowered_base() -> None:
    """A backdoored MLP the pixel probe raises keeps the raise; its unraised base is the
    lowered one."""
    cand = load_calibrators(CANDIDATE)
    feats = {**CLEAN_MLP, "pixel_share_gap": 0.36, "pixel_top_class": 2.0}
    v = calibrate(_verdict(feats), cand)
    assert v.features["lower_logit"] < 0 and v.features["raise_logit"] > 10
    assert v.probability > 0.999 and v.target_classes[0] == 2


def test_recalibrate_scores_another_file_on_the_stored_run(
    tmp_path, monkeypatch, load_benchmark
) -> None:
    monkeypatch.syspath_prepend(str(BENCH))
    fzd = load_benchmark("foreign_zoo_detect")
    report = {
        "method": "auto",
        "statistic": CLEAN_MLP["mmbd_neglog10_p"],
        "ranking": [0, 5, 2, 6, 8, 3, 4, 7, 9, 1],
        "features": {**CLEAN_MLP, "calibrated": 1.0},
        "data_free": False,
        "traits": ["activation:relu"],
    }
    rows = tmp_path / "d.jsonl"
    row = {"name": "relu_mlp-04", "backdoored": False, "probability": 0.906, "options": []}
    rows.write_text(json.dumps({**row, "report": report}) + "\n")
    out = tmp_path / "r.jsonl"
    fzd.recalibrate(rows, out, CANDIDATE)
    got = json.loads(out.read_text())
    want = calibrate(_verdict(CLEAN_MLP), load_calibrators(CANDIDATE))
    assert got["probability"] == pytest.approx(want.probability, abs=1e-12)
    assert got["features"]["lower_logit"] < 0 and got["suspected_target"] == 0
    assert got["verdict"] == ("backdoored" if want.probability >= 0.5 else "clean")
    rows.write_text(json.dumps(row) + "\n")  # recorded before stop 39: no report
    proc = run_script("foreign_zoo_detect.py", str(tmp_path), "--out", str(rows),
                      "--recalibrate", str(CANDIDATE), "--recal-out", str(tmp_path / "x.jsonl"))
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert "has no report" in proc.stderr and not (tmp_path / "x.jsonl").exists()


def _edited(tmp_path, edit) -> Path:
    """The shipped calibration file with ``edit`` applied, written to ``tmp_path``."""
    data = json.loads((ROOT / "src" / "trojanscope" / "detect" / "calibration.json").read_text())
    edit(data)
    out = tmp_path / "cal.json"
    out.write_text(json.dumps(data))
    return out


def test_the_take_back_follows_a_refitted_auto_calibrator(tmp_path) -> None:
    """Review of stop 39: the term is computed from the scoring calibrator's own p-value term,
    so a refit ``auto`` (``zoo calibrate --out`` keeps the other entries) is not corrected by a
    stale copy: a positive coefficient adds nothing for an insignificant p-value, and nothing is
    taken back (the stored copy took back 2 logits)."""

    def refit(data: dict) -> None:
        data["auto"]["coef"][0] = 1.0

    cals = load_calibrators(_edited(tmp_path, refit))
    v = calibrate(_verdict(CLEAN_MLP), cals)
    assert "lower_logit" not in v.features
    no_term = {k: c for k, c in cals.items() if k != "auto:lower:dense"}
    assert v.probability == calibrate(_verdict(CLEAN_MLP), no_term).probability

    def steeper(data: dict) -> None:  # a larger negative weight: the larger take-back
        data["auto"]["coef"][0] = -4.0

    cals = load_calibrators(_edited(tmp_path, steeper))
    v = calibrate(_verdict(CLEAN_MLP), cals)
    assert v.features["lower_logit"] == pytest.approx(
        -_pvalue_term(CLEAN_MLP) * 4.0 / 2.77429339138238, rel=1e-9
    )


@pytest.mark.parametrize(
    ("edit", "said"),
    [
        (lambda d: d.update({"auto:lower:Dense": d.pop("auto:lower:dense")}), "unknown lower term"),
        (
            lambda d: d["auto:lower:dense"].update(features=["mmbd_neglog10_p", "no_such_feature"]),
            "must read 'first_layer_dense'",
        ),
        (
            lambda d: d["auto:lower:dense"].update(
                features=["mmbd_neglog10_p"], coef=[2.77], mean=[1.25], scale=[1.15]
            ),
            "must read 'first_layer_dense'",
        ),
        (lambda d: d.update({"nosuch:lower:dense": d["auto:lower:dense"]}), "no 'nosuch'"),
    ],
)
def test_an_unreadable_lower_term_is_refused_at_load(tmp_path, edit, said) -> None:
    """Review of stop 39: a typo'd suffix, a term without its gate feature, or one with no
    calibrator to lower was ignored silently; now one error line when the file is read."""
    path = _edited(tmp_path, edit)
    with pytest.raises(UserInputError, match=said) as info:
        load_calibrators(path)
    assert "\n" not in str(info.value)


def test_a_lower_term_with_a_feature_not_recorded_is_noted() -> None:
    """A lower term reading a feature this run did not record says so (as raise terms do);
    a model that is not an image (no gate feature) is no note."""
    cals = dict(load_calibrators())
    term = cals["auto:lower:dense"]
    cals["auto:lower:dense"] = type(term)(
        **{
            **term.__dict__,
            "features": [*term.features, "extra_reading"],
            "coef": [*term.coef, 0.0],
            "mean": [*term.mean, 0.0],
            "scale": [*term.scale, 1.0],
        }
    )
    v = calibrate(_verdict(CLEAN_MLP), cals)
    assert "lower_logit" not in v.features
    assert any(
        "'auto:lower:dense' not read" in n and "extra_reading" in n for n in v.coverage_notes
    )
    unknown = {k: x for k, x in CLEAN_MLP.items() if k != "first_layer_dense"}
    v = calibrate(_verdict(unknown), load_calibrators())
    assert not any("lower" in n for n in v.coverage_notes)


def test_a_dense_model_without_a_covered_activation_is_not_lowered() -> None:
    """Review of stop 39: a convolution written as reshape + ``nn.Linear`` over patches reads as
    dense with no activation trait; the term was measured on ReLU MLPs only, so it is not
    applied and a note says so."""
    shipped = load_calibrators()
    v = calibrate(_verdict(CLEAN_MLP, []), shipped)
    assert "lower_logit" not in v.features
    assert v.probability == pytest.approx(0.9057035544171412, abs=1e-9)
    assert any("not lowered" in n and "activation:relu" in n for n in v.coverage_notes)


def test_detect_prints_the_lowering_beside_the_raise_not_as_coverage(capsys) -> None:
    """Review of stop 39: ``detect``'s text printed the lowering under "outside the
    calibration's coverage"; it is a line of its own, as the raise note is."""
    from trojanscope.cli.commands.detect import print_table

    v = calibrate(_verdict(CLEAN_MLP), load_calibrators())
    v.threshold, v.elapsed_s = 0.5, 0.0
    print_table(v, "m.pt")
    out = capsys.readouterr().out
    assert "probability lowered by" in out and "outside the calibration" not in out
