"""Issue 9, stop 55 (h9A): MM-BD's per-class ratios on ``auto``'s verdict, and the excess term
(``"<scorer>:excess"``) that reads the top class against a clean reference of the same kind
only where the run has the ratios and the kind has enough clean reference models."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import torch
from torch import nn

from script_run import run_script
from shipped_calibration import excess_before_s72, shipped_without_data_free_s74
from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import ModelVerdict
from trojanscope.detect.calibration import Calibrator, calibrate, load_calibrators
from trojanscope.detect.class_excess import (
    EXCESS,
    EXCESS_LOGIT,
    INPUT_SIZE,
    RATIO,
    class_excess,
    class_ratio_features,
    class_ratios,
    kind_key,
)
from trojanscope.errors import UserInputError

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "benchmarks"
TRAITS = ["activation:relu", "layer:conv", "norm:batch", "pool:max"]
# seed 79's clean bn_cnn-00 as its stored run read it (benchmarks/data/foreign_s54c), with the
# per-class ratios MM-BD gives it again (mmbd_class_reread.py): top class 8 at 1.708
BN00 = {"mmbd_neglog10_p": 1.460294577862253, "mmbd_anomaly": 3.30231638807148,
        "mmbd_ratio": 1.7083435224324264, "mmbd_gap": 0.21962986840447707,
        "mmbd_mean_anomaly": 4.631170691019231, "mmbd_early_anomaly": 3.2936291477399964,
        "first_layer_dense": 0.0, "empty_share_gap": 0.003333, "empty_top_class": 2.0,
        "pixel_share_gap": 0.021334, "pixel_top_class": 3.0, "frame_share_gap": 0.201667,
        "frame_top_class": 0.0, "ts_anomaly": 5.045457363128662,
        "ts_log_norm_ratio": 1.736137866973877, "ts_warm_anomaly": 3.8886032104492188,
        "uap_log_ratio": 0.4700035671575645, "uap_anomaly": 2.6979616978143626,
        "agree_mmbd_uap": 1.0, "agree_mmbd_ts": 0.0, "stripe_log_ratio": 0.5389964741234703,
        "stripe_anomaly": 0.7538427213429024, "probe_log_ratio": 0.5389964741234703,
        "agree_mmbd_stripe": 1.0, "agree_mmbd_uap_nobias": 0.0, "agree_mmbd_ts_nobias": 0.0,
        "agree_mmbd_stripe_nobias": 0.0, "bias_class": 8.0}
RATIOS = [1.164830723336054, 0.5476308889022979, 1.2882916929995332, 1.4887136540279493, 1.0,
          1.0542639130163227, 0.9526157666913322, 0.884832268903293, 1.7083435224324264,
          0.8553224148535363]
KIND = "784/10:" + "+".join(TRAITS)


def _verdict(features: dict[str, float]) -> ModelVerdict:
    return ModelVerdict(method="auto", statistic=features["mmbd_neglog10_p"],
                        target_classes=[8, 3, 2, 0, 5, 4, 6, 7, 9, 1], per_class=[],
                        features=dict(features), traits=list(TRAITS))


def _with_ratios(features: dict[str, float]) -> dict[str, float]:
    return {**features, **{f"{RATIO}{c}": r for c, r in enumerate(RATIOS)}, INPUT_SIZE: 784.0}


def _term(start: float = 0.5, slope: float = 4.0, n_clean: int = 6,
          median8: float = 1.4) -> dict:
    return {"method": "auto:out-of-coverage:excess", "features": [EXCESS], "coef": [slope],
            "intercept": -slope * start,
            "fitted_on": {"start": start, "slope": slope, "min_clean": 4,
                          "reference": {KIND: {"n_clean": n_clean,
                                               "median": [1.0] * 8 + [median8, 1.0]}}}}


def _cals(term: dict | None) -> dict[str, Calibrator]:
    """The shipped file without its excess terms (the file before stop 55), plus ``term``."""
    cals = {k: v for k, v in load_calibrators().items() if not k.endswith(":excess")}
    if term is not None:
        cals[term["method"]] = Calibrator(**term)
    return cals


def test_auto_records_each_class_ratio_and_the_top_one_is_mmbd_ratio() -> None:
    """The report keeps each class's maximum margin over the median (the top class's is
    ``mmbd_ratio``) and the input size, and no shipped probability reads them."""
    from trojanscope.detect.auto import AutoDetector

    g = torch.Generator().manual_seed(0)
    data = TensorDataset(torch.rand(60, 1, 8, 8, generator=g), torch.arange(60) % 3,
                         ("0", "1", "2"))
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 16), nn.ReLU(), nn.Linear(16, 3)).eval()
    v = AutoDetector(probes="never", empty=False, pixels=False, frame=False).inspect(
        model, data, seed=1)
    ratios = class_ratios(v.features)
    assert ratios is not None and len(ratios) == 3
    assert max(ratios) == pytest.approx(v.features["mmbd_ratio"], rel=1e-12)
    assert ratios.index(max(ratios)) == v.target_classes[0]
    assert v.features[INPUT_SIZE] == 64.0
    without = copy.deepcopy(v)
    for c in range(3):
        without.features.pop(f"{RATIO}{c}")
    assert calibrate(v).probability == calibrate(without).probability


def test_class_ratio_features_divide_by_the_lower_middle_value() -> None:
    got = class_ratio_features([4.0, 1.0, 2.0, 3.0], (1, 2, 2))
    assert [got[f"{RATIO}{c}"] for c in range(4)] == [2.0, 0.5, 1.0, 1.5]
    assert got[INPUT_SIZE] == 4.0


def test_the_excess_lowers_a_clean_model_whose_wide_class_is_wide_in_its_kind() -> None:
    """Seed 79's clean bn_cnn-00: class 8 at 1.708 against a reference 1.4 is an excess of
    0.308, below a start of 0.5: the logit falls by 4 × 0.192 before any raise term."""
    today = calibrate(_verdict(_with_ratios(BN00)), _cals(None))
    got = calibrate(_verdict(_with_ratios(BN00)), _cals(_term()))
    assert EXCESS not in today.features
    assert got.features[EXCESS] == pytest.approx(1.7083435224324264 - 1.4)
    lift = 4.0 * (got.features[EXCESS] - 0.5)
    assert got.features[EXCESS_LOGIT] == pytest.approx(lift)
    assert got.probability < today.probability
    odds = today.probability / (1 - today.probability)
    assert got.probability / (1 - got.probability) == pytest.approx(odds * 2.718281828 ** lift,
                                                                    rel=1e-6)
    assert got.target_classes == today.target_classes


def test_an_excess_above_the_start_changes_nothing_but_is_recorded() -> None:
    got = calibrate(_verdict(_with_ratios(BN00)), _cals(_term(median8=0.9)))
    today = calibrate(_verdict(_with_ratios(BN00)), _cals(None))
    assert got.features[EXCESS] == pytest.approx(0.808, abs=1e-3)
    assert EXCESS_LOGIT not in got.features
    assert got.probability == today.probability


def test_the_term_reads_only_a_class_that_is_wide_in_its_kind() -> None:
    """``wide``: where the reference's ratio of the top class is below it (a class not wide in
    clean models of the kind: bounded activations flatten a target's margin too), no change."""
    term = _term()
    term["fitted_on"]["wide"] = 1.5
    today = calibrate(_verdict(_with_ratios(BN00)), _cals(None))
    got = calibrate(_verdict(_with_ratios(BN00)), _cals(term))
    assert EXCESS not in got.features and got.probability == today.probability
    term["fitted_on"]["wide"] = 1.4
    assert EXCESS_LOGIT in calibrate(_verdict(_with_ratios(BN00)), _cals(term)).features


def test_the_term_takes_at_most_its_most_logits() -> None:
    """``most``: MM-BD's reading is taken back, not the other probes' (a backdoored BatchNorm
    CNN of seed 76 whose MM-BD top was the kind's wide class, not its target, fell from 0.995
    to 0.0 without a bound in development)."""
    term = _term(start=2.0, slope=16.0)
    term["fitted_on"]["most"] = 2.0
    today = calibrate(_verdict(_with_ratios(BN00)), _cals(None))
    got = calibrate(_verdict(_with_ratios(BN00)), _cals(term))
    assert got.features[EXCESS_LOGIT] == -2.0
    odds = today.probability / (1 - today.probability)
    assert got.probability / (1 - got.probability) == pytest.approx(odds * 2.718281828 ** -2,
                                                                    rel=1e-6)


def test_a_run_without_ratios_keeps_todays_probability() -> None:
    """A stored run recorded before stop 55 has no ratios: the term is not read."""
    today = calibrate(_verdict(BN00), _cals(None))
    got = calibrate(_verdict(BN00), _cals(_term()))
    assert EXCESS not in got.features and EXCESS_LOGIT not in got.features
    assert got.probability == today.probability


@pytest.mark.parametrize("change", ["few", "kind", "size", "classes"])
def test_a_kind_without_enough_clean_reference_models_falls_back_to_no_change(change) -> None:
    term = _term(n_clean=3) if change == "few" else _term()
    features = _with_ratios(BN00)
    verdict = _verdict(features)
    if change == "kind":
        verdict.traits = ["activation:relu", "layer:conv", "pool:max"]
    elif change == "size":
        verdict.features[INPUT_SIZE] = 3072.0
    elif change == "classes":
        verdict.features.pop(f"{RATIO}9")
    today = calibrate(copy.deepcopy(verdict), _cals(None))
    got = calibrate(verdict, _cals(term))
    assert EXCESS not in got.features
    assert got.probability == today.probability


def test_class_excess_reads_the_top_class_of_the_ratios() -> None:
    features = _with_ratios({})
    assert kind_key(features, TRAITS) == KIND
    ref = {KIND: {"n_clean": 4, "median": [2.0] * 10}}
    assert class_excess(features, TRAITS, ref) == pytest.approx(1.7083435224324264 - 2.0)
    assert class_excess(features, TRAITS, ref, min_clean=5) is None
    assert class_excess({}, TRAITS, ref) is None


def test_calibrating_twice_lowers_once() -> None:
    cals = _cals(_term())
    once = calibrate(_verdict(_with_ratios(BN00)), cals)
    p = once.probability
    assert calibrate(once, cals).probability == pytest.approx(p, abs=1e-12)


@pytest.mark.parametrize("edit", [{"features": ["mmbd_ratio"]},
                                  {"fitted_on": {"reference": {KIND: {"n_clean": 4}}}},
                                  {"fitted_on": {"reference": [1, 2]}},
                                  {"method": "auto:nothing:excess"},
                                  {"fitted_on": {"reference": {}, "wide": "wide"}},
                                  {"fitted_on": {"reference": {}, "min_clean": 0}},
                                  {"fitted_on": {"reference": {}, "most": 0}}])
def test_a_malformed_excess_entry_is_refused_when_read(tmp_path, edit) -> None:
    raw = json.loads((ROOT / "src/trojanscope/detect/calibration.json").read_text())
    entry = {**_term(), **edit}
    raw[entry["method"]] = entry
    path = tmp_path / "cal.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(UserInputError, match=r"unreadable calibration file.*excess"):
        load_calibrators(path)


def test_detect_refuses_a_malformed_excess_entry_in_one_line(tmp_path, monkeypatch,
                                                              capsys) -> None:
    from trojanscope.cli.main import run

    raw = json.loads((ROOT / "src/trojanscope/detect/calibration.json").read_text())
    raw["auto:excess"] = {**_term(), "method": "auto:excess", "features": ["mmbd_ratio"]}
    path = tmp_path / "cal.json"
    path.write_text(json.dumps(raw))
    (tmp_path / "model.pt").write_bytes(b"PK\x03\x04")  # read after the calibration (an
    # empty one is refused before it since stop 69, one of no model format since stop 70)
    monkeypatch.chdir(tmp_path)
    assert run(["detect", "model.pt", "--calibration", str(path)]) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "auto:excess" in lines[0] and "Traceback" not in err


@pytest.mark.parametrize("script,args,said", [
    ("mmbd_class_reread.py", ["--zoo", "/nonexistent", "--out", "x.jsonl"], "no truth.json"),
    ("class_excess_fit.py", ["--dev", "79:zoo", "--ratios", "r.jsonl", "--out", "."],
     "expected SEED=ZOO,RUNS"),
    ("class_excess_fit.py", ["--dev", "79=z,r", "--ratios", "r.jsonl", "--out", "/nonexistent"],
     "no such folder"),
])
def test_the_scripts_refuse_a_bad_option_in_one_line(tmp_path, script, args, said) -> None:
    (tmp_path / "r.jsonl").write_text("")
    proc = run_script(script, *args, cwd=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and said in lines[0], proc.stderr


def test_the_shipped_file_carries_the_stop_56_excess_terms_as_ruled() -> None:
    """Stop 56 h9B's rule (benchmarks/data/foreign_s56b/plan.md) was met on fresh seeds 85 + 86:
    the shipped file carries cal_Y.json's two excess entries as they are (stop 55's cal_X.json
    before); seed 79's clean bn_cnn-00 (0.696 before) is lowered below 0.5 by the wider term."""
    shipped = shipped_without_data_free_s74()  # stop 74's data-free copies of the two apart
    cand = json.loads((BENCH / "data/foreign_s56b/cal_Y.json").read_text())
    excess = {k for k in cand if k.endswith(":excess")}
    assert excess == {k for k in shipped if k.endswith(":excess")} and len(excess) == 2
    assert all(excess_before_s72(shipped[k]) == cand[k] for k in excess)  # stop 72: + recipes
    got = calibrate(_verdict(_with_ratios(BN00)))
    assert got.features[EXCESS_LOGIT] < 0 and got.probability < 0.5
    assert calibrate(_verdict(BN00)).probability == pytest.approx(0.6961711210056474, abs=1e-9)
