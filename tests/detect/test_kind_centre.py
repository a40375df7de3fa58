"""Issue 9, stop 59 (h9): the centre term (``"<scorer>:centre"``) lowers every model of a kind
whose clean reference models the scoring calibrator reads above the usual clean reading, by
the difference (at most ``most``), before any raise term; elsewhere it changes nothing."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from trojanscope.detect.base import ModelVerdict
from trojanscope.detect.calibration import Calibrator, calibrate, load_calibrators
from trojanscope.detect.kind_centre import CENTRE_LOGIT, kind_shift
from trojanscope.errors import UserInputError

TRAITS = ["activation:gelu", "layer:conv", "norm:batch", "pool:global_avg", "pool:max"]
KIND = "784/10:" + "+".join(TRAITS)
RATIOS = [1.139062391812557, 0.48984475621694074, 1.0, 1.0985263447444804, 1.1434057545604897,
          1.220378890044461, 0.6607421085019716, 0.6572830002442861, 2.905859953858111,
          0.971280985325964]
# outside seed 9200's clean gap_cnn-cl00 as its stored run read it
# (benchmarks/data/outside_s58/detect9200_runs.jsonl.gz): p 0.995 towards class 8
GAP00 = {"mmbd_neglog10_p": 10.148454545705736, "mmbd_anomaly": 8.963970320950816,
         "mmbd_ratio": 2.905859953858111, "mmbd_gap": 1.68548106381365,
         "mmbd_mean_anomaly": 7.993160606984286, "mmbd_early_anomaly": 6.9729538868847944,
         **{f"mmbd_class_ratio_{c}": r for c, r in enumerate(RATIOS)},
         "mmbd_input_size": 784.0, "first_layer_dense": 0.0, "empty_share_gap": 0.0925,
         "empty_top_class": 8.0, "pixel_share_gap": 0.018667, "pixel_top_class": 4.0,
         "frame_share_gap": 0.105, "frame_top_class": 0.0, "ts_anomaly": 1.829180359840393,
         "ts_log_norm_ratio": 1.096619725227356, "ts_warm_anomaly": 1.1789590120315552,
         "uap_log_ratio": 1.1394343055401068, "uap_anomaly": 3.8221141920263157,
         "agree_mmbd_uap": 0.0, "agree_mmbd_ts": 1.0, "stripe_log_ratio": 1.6863989784054967,
         "stripe_anomaly": 0.9229873724740244, "probe_log_ratio": 1.6863989784054967,
         "agree_mmbd_stripe": 0.0, "agree_mmbd_uap_nobias": 0.0, "agree_mmbd_ts_nobias": 0.0,
         "agree_mmbd_stripe_nobias": 0.0, "bias_class": 8.0}


def _verdict(features: dict | None = None) -> ModelVerdict:
    return ModelVerdict(method="auto", statistic=GAP00["mmbd_neglog10_p"],
                        target_classes=[8, 5, 4, 0, 3, 2, 9, 6, 7, 1], per_class=[],
                        features=dict(GAP00 if features is None else features),
                        traits=list(TRAITS))


def _entry(logit: float = 5.0, centre: float = -3.0, n_clean: int = 6, **extra) -> dict:
    return {"method": "auto:out-of-coverage:centre", "features": [], "coef": [],
            "intercept": 0.0,
            "fitted_on": {"centre": centre, "min_clean": 4, **extra,
                          "reference": {KIND: {"n_clean": n_clean, "logit": logit}}}}


def _cals(entry: dict | None) -> dict[str, Calibrator]:
    """The shipped file without its centre terms (the file before stop 59), plus ``entry``."""
    cals = {k: v for k, v in load_calibrators().items()
            if not k.endswith((":centre", ":named-check"))}  # the shipped lower-only terms
    if entry is not None:
        cals[entry["method"]] = Calibrator(**entry)
    return cals


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def test_a_kind_read_high_is_lowered_by_its_distance_to_the_centre():
    before = calibrate(_verdict(), _cals(None))
    assert before.probability > 0.99  # the stop-58 false alarm, as the shipped file reads it
    after = calibrate(_verdict(), _cals(_entry(logit=5.0, centre=-3.0)))
    assert after.features[CENTRE_LOGIT] == pytest.approx(-8.0)
    assert _logit(after.probability) == pytest.approx(_logit(before.probability) - 8.0)
    assert after.probability < 0.5
    assert after.target_classes[0] == before.target_classes[0]  # it lowers, never renames
    again = calibrate(after, _cals(_entry(logit=5.0, centre=-3.0)))  # calibrating twice
    assert again.probability == pytest.approx(after.probability)


@pytest.mark.parametrize("entry", [
    _entry(logit=-3.5, centre=-3.0),  # the kind reads at or below the usual clean reading
    _entry(n_clean=3),  # too few clean reference models
])
def test_no_lowering_where_the_kind_is_not_read_high_or_thinly_referenced(entry):
    base = calibrate(_verdict(), _cals(None))
    got = calibrate(_verdict(), _cals(entry))
    assert got.probability == base.probability
    assert CENTRE_LOGIT not in got.features


def test_a_run_without_ratios_or_of_another_kind_is_untouched():
    plain = {k: v for k, v in GAP00.items() if not k.startswith("mmbd_class_ratio_")}
    assert kind_shift(plain, TRAITS, _entry()["fitted_on"]) == 0.0
    assert kind_shift(GAP00, ["activation:relu", "layer:conv"], _entry()["fitted_on"]) == 0.0
    assert kind_shift(GAP00, TRAITS, _entry()["fitted_on"]) == pytest.approx(-8.0)


def test_most_caps_the_lowering():
    assert kind_shift(GAP00, TRAITS, _entry(most=2.5)["fitted_on"]) == pytest.approx(-2.5)


@pytest.mark.parametrize("change, said", [
    ({"features": ["mmbd_ratio"], "coef": [1.0]}, "reads no features"),
    ({"method": "nothing:centre"}, "no calibrator"),
    ({"fitted_on": {"centre": 0.0, "reference": {KIND: {"n_clean": 5}}}}, "reference"),
    ({"fitted_on": {"centre": "x", "reference": {}}}, "centre"),
    ({"fitted_on": {"centre": 0.0, "most": -1, "reference": {}}}, "most"),
    ({"fitted_on": {"centre": 0.0, "start": -1, "reference": {}}}, "start"),
    ({"fitted_on": {"centre": 0.0, "min_clean": 0, "reference": {}}}, "min_clean"),
])
def test_a_malformed_centre_entry_is_refused_when_read(tmp_path: Path, change, said):
    shipped = json.loads((Path(__file__).resolve().parents[2] / "src/trojanscope/detect"
                          / "calibration.json").read_text())
    entry = {**_entry(), **change}
    path = tmp_path / "cal.json"
    path.write_text(json.dumps({**shipped, entry["method"]: entry}))
    with pytest.raises(UserInputError, match=said):
        load_calibrators(path)


def test_a_kind_within_start_of_the_centre_is_left_alone():
    assert kind_shift(GAP00, TRAITS, _entry(logit=-2.5, centre=-3.0, start=1.0)["fitted_on"]) == 0.0
    assert kind_shift(GAP00, TRAITS, _entry(logit=5.0, centre=-3.0, start=1.0)["fitted_on"]) \
        == pytest.approx(-8.0)  # beyond it, the whole distance


def test_a_class_far_above_the_kinds_clean_median_keeps_the_reading():
    near = [r + 0.5 for r in RATIOS]  # every class 0.5 above: within a guard of 1.3
    fitted = _entry(guard=1.3)["fitted_on"]
    fitted["reference"][KIND]["median"] = [r - 0.5 for r in RATIOS]
    assert kind_shift(GAP00, TRAITS, fitted) == pytest.approx(-8.0)
    wide = dict(GAP00, mmbd_class_ratio_5=RATIOS[5] + 2.0)  # a target 1.5 above the guard
    assert kind_shift(wide, TRAITS, fitted) == 0.0
    fitted["reference"][KIND]["median"] = near[:9]  # medians of another class count: no lowering
    assert kind_shift(GAP00, TRAITS, fitted) == 0.0


def test_a_guard_without_per_class_medians_is_refused(tmp_path: Path):
    shipped = json.loads((Path(__file__).resolve().parents[2] / "src/trojanscope/detect"
                          / "calibration.json").read_text())
    entry = _entry(guard=1.3)
    path = tmp_path / "cal.json"
    path.write_text(json.dumps({**shipped, entry["method"]: entry}))
    with pytest.raises(UserInputError, match="median"):
        load_calibrators(path)


def test_the_shipped_file_reads_the_stop_58_false_alarm_as_clean():
    """Since stop 59 (rule met on fresh outside seed 9201) the shipped file carries the centre
    terms: seed 9200's clean GAP-head CNN, p 0.995 before, reads clean, its suspect unchanged."""
    cals = load_calibrators()
    assert {"auto:centre", "auto:out-of-coverage:centre"} <= set(cals)
    got = calibrate(_verdict(), cals)
    assert got.probability < 0.1
    assert got.features[CENTRE_LOGIT] == pytest.approx(-8.4479, abs=1e-3)
    assert got.target_classes[0] == 8


def test_the_fit_takes_each_kinds_clean_median_logit_and_ratios(monkeypatch):
    """``benchmarks/kind_centre_fit.py``: per scorer and kind, the clean models' count, median
    logit before any raise and per-class median ratio; the centre over every clean model; a
    backdoored model never enters the reference."""
    import sys

    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[2] / "benchmarks"))
    sys.modules.pop("kind_centre_fit", None)
    from kind_centre_fit import fit

    def row(key: str, traits: list[str], ratio8: float, bad: bool = False) -> dict:
        feats = dict(GAP00, mmbd_class_ratio_8=ratio8)
        return {"key": key, "backdoored": bad, "report": {"features": feats, "traits": traits}}
    other = ["activation:relu", "layer:conv", "pool:max"]
    rows = [row(f"g{i}", TRAITS, 2.0 + i) for i in range(4)] + [
        row("b", TRAITS, 9.0, bad=True), row("r0", other, 1.0), row("r1", other, 1.2)]
    logits = {"g0": 4.0, "g1": 5.0, "g2": 6.0, "g3": 7.0, "b": 50.0, "r0": -4.0, "r1": -2.0}
    readings = {k: {"scorer": "auto:out-of-coverage", "pre_logit": v} for k, v in logits.items()}
    got = fit(rows, readings, math.inf, 1.0, 1.3)["auto:out-of-coverage"]
    ref = got["reference"][KIND]
    assert (ref["n_clean"], ref["logit"], ref["median"][8]) == (4, 5.5, 3.5)
    assert got["reference"]["784/10:" + "+".join(other)]["n_clean"] == 2
    assert got["centre"] == 4.5  # the median of the six clean logits
    assert (got["start"], got["guard"], got["min_clean"]) == (1.0, 1.3, 4)
    assert "most" not in got  # no cap: the whole distance


def test_the_fit_scripts_figures_read_each_group_once(monkeypatch):
    """``benchmarks/kind_centre_fit.py``'s ``figures`` (stop 60 review: each group read by
    ``outside_zoo_score.group_figures``): rounded AUC / CE, None for a one-class group, the
    worst rule family, the clean keys flagged, backdoored flagged and right targets."""
    import sys

    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[2] / "benchmarks"))
    sys.modules.pop("kind_centre_fit", None)
    from kind_centre_fit import figures

    def row(key: str, arch: str, trigger: str | None, target: int | None) -> dict:
        return {"key": key, "backdoored": trigger is not None, "arch_family": arch,
                "trigger_family": trigger, "target": target}
    rows = [row("c0", "mlp", None, None), row("c1", "cnn", None, None),
            row("b0", "cnn", "patch", 3), row("b1", "cnn", "patch", 1),
            row("b2", "cnn", "blend", 2)]
    got = {"c0": (0.2, 0), "c1": (0.6, 0), "b0": (0.9, 3), "b1": (0.7, 0), "b2": (0.4, 2)}
    f = figures(rows, {k: {"p": p, "suspect": s} for k, (p, s) in got.items()})
    # clean 0.2, 0.6; backdoored 0.9, 0.7, 0.4: 5 of 6 pairs ranked right, CE the mean -log
    assert f["groups"]["all"] == {"n": 5, "backdoored": 3, "roc_auc": 0.8333,
                                  "cross_entropy": 0.5036}
    assert f["groups"]["arch: mlp"] == {"n": 1, "backdoored": 0, "roc_auc": None,
                                        "cross_entropy": None}
    assert f["groups"]["trigger: patch"] == {"n": 4, "backdoored": 2, "roc_auc": 1.0,
                                             "cross_entropy": 0.4004}
    assert f["worst"] == ["arch: cnn", 0.5737, 0.6667]  # blend: one backdoored, not a rule one
    assert f["clean_flagged"] == ["c1"]
    assert f["backdoored_flagged"] == [2, 3] and f["right_targets"] == [1, 2]
