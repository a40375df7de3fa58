"""Issue 9, stop 56 (h9A): the pixel raise term's BatchNorm-CNN start (candidate P,
``benchmarks/pixel_norm_start.py``). A clean BatchNorm CNN whose five-pixel probe reads a share
gap of 0.184 (seed 82's ``bn_cnn-02``) is not lifted under P, where the term's own start (0.14)
lifted it by 2.64 logits; a model without BatchNorm (a ReLU CNN, a LayerNorm GELU CNN, a conv
model of an activation no calibration holds) is lifted exactly as before; the start's fit, the
fold start of ``lofo_fresh.py`` and the rule script's bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from script_run import run_script
from shipped_calibration import shipped_without_later
from trojanscope.detect.base import ModelVerdict
from trojanscope.detect.calibration import load_calibrators, raise_term

ROOT = Path(__file__).resolve().parents[2]
CAL_P = ROOT / "benchmarks" / "data" / "foreign_s56a" / "cal_P.json"
PIXELS = "auto:raise:pixels"
BN_CNN = ["activation:relu", "layer:conv", "norm:batch", "pool:max"]
RELU_CNN = ["activation:relu", "layer:conv", "pool:max"]
LN_GELU = ["activation:gelu", "layer:conv", "norm:layer", "pool:max"]
SELU_CNN = ["activation:selu", "layer:conv", "pool:max"]
BN_MLP = ["activation:relu", "norm:batch"]


def _verdict(traits: list[str], pixel_gap: float) -> ModelVerdict:
    """A calibrated verdict at p 0.115 whose only raise evidence is the pixel probe's gap."""
    return ModelVerdict(method="auto", statistic=1.0, target_classes=[8, 2, 0], per_class=[],
                        features={"pixel_share_gap": pixel_gap, "pixel_top_class": 2.0,
                                  "empty_share_gap": 0.0, "frame_share_gap": 0.0,
                                  "first_layer_dense": 0.0 if "layer:conv" in traits else 1.0},
                        probability=0.115, traits=list(traits))


def _pixel_lift(cals: dict, traits: list[str], gap: float) -> float:
    v = _verdict(traits, gap)
    raise_term(v, {PIXELS: cals[PIXELS]})
    return v.features.get("raise_logit_pixels", 0.0)


@pytest.fixture(scope="module")
def files() -> tuple[dict, dict]:
    return load_calibrators(), load_calibrators(CAL_P)


def test_p_adds_only_the_batchnorm_start_to_the_pixel_term(files) -> None:
    shipped, p = shipped_without_later(), json.loads(CAL_P.read_text())
    assert list(shipped) == list(p)
    # P was built on stop 55's file; since stop 56 the shipped `:excess` entries are h9B's Y
    changed = [k for k in p if p[k] != shipped[k] and not k.endswith(":excess")]
    assert changed in ([], [PIXELS])  # [] once P is shipped
    fitted = p[PIXELS]["fitted_on"]
    assert fitted["gate"] == ["norm:batch"]
    assert fitted["gate_start"] == {"norm:batch@conv": 0.234}
    assert fitted["gate_unseen"] == "max@kind:unfitted"


def test_a_clean_batchnorm_cnn_at_gap_0184_is_not_lifted_under_p(files) -> None:
    shipped, p = files
    own = shipped[PIXELS].fitted_on
    if "gate" not in own:  # today's file before P ships: the term's own start lifts it
        assert _pixel_lift(shipped, BN_CNN, 0.184) == pytest.approx(60 * (0.184 - 0.14))
    assert _pixel_lift(p, BN_CNN, 0.184) == 0.0
    # above the BatchNorm start it lifts from there
    assert _pixel_lift(p, BN_CNN, 0.40) == pytest.approx(60 * (0.40 - 0.234))


@pytest.mark.parametrize("traits", [RELU_CNN, LN_GELU, SELU_CNN, BN_MLP])
def test_a_model_without_batchnorm_and_a_convolution_is_lifted_as_before(files, traits) -> None:
    _, p = files
    assert _pixel_lift(p, traits, 0.184) == pytest.approx(60 * (0.184 - 0.14))


def test_the_start_fit_reads_clean_batchnorm_cnns_only(load_benchmark) -> None:
    mod = load_benchmark("pixel_norm_start")

    def row(traits: list[str], gap: float, backdoored: bool = False) -> dict:
        return {"backdoored": backdoored,
                "report": {"traits": traits, "features": {"pixel_share_gap": gap}}}
    clean = [row(BN_CNN, g) for g in (0.01, 0.02, 0.03, 0.04, 0.184)]
    assert mod.fit_start(clean, 0.14) == pytest.approx(0.234)
    assert mod.fit_start(clean[:4], 0.14) is None  # fewer than 5 clean
    assert mod.fit_start([*clean[:4], row(BN_CNN, 0.01)], 0.14) == 0.14  # at least the start
    others = [row(BN_CNN, 0.9, backdoored=True), row(RELU_CNN, 0.9), row(BN_MLP, 0.9)]
    assert mod.fit_start(clean + others, 0.14) == pytest.approx(0.234)
    cals = load_calibrators()
    assert mod.with_start(cals, None) is cals
    moved = mod.with_start(cals, 0.3)
    assert moved[PIXELS].fitted_on["gate_start"] == {"norm:batch@conv": 0.3}
    assert "gate_start" not in cals[PIXELS].fitted_on or cals[PIXELS] is not moved[PIXELS]


def test_the_held_out_batchnorm_fold_has_no_batchnorm_cnn_in_its_start(load_benchmark) -> None:
    lofo = load_benchmark("lofo_fresh")

    def row(fam: str, traits: list[str], gap: float) -> dict:
        return {"arch_family": fam, "backdoored": False, "trigger_family": None,
                "report": {"traits": traits, "features": {"pixel_share_gap": gap}}}
    rows = [row("bn_cnn", BN_CNN, 0.3)] * 5 + [row("hardswish_bn_cnn", BN_CNN, 0.05)] * 5
    cals = load_calibrators()
    assert lofo.fold_pixel_start(rows, "script", "\0none", cals) == pytest.approx(0.35)
    assert lofo.fold_pixel_start(rows, "script", "bn_cnn", cals) == 0.14
    assert lofo.fold_pixel_start(rows, "trigger", "xpatch", cals) == pytest.approx(0.35)


@pytest.mark.parametrize("args, said", [
    (["--fresh", "83=/nonexistent,/nonexistent.jsonl"], "83"),
    (["--fresh", "83=a,b", "--candidate", "/nonexistent.json"], "--candidate"),
])
def test_the_rule_script_refuses_bad_input_in_one_line(tmp_path: Path, args, said) -> None:
    base = ["--candidate", str(CAL_P)] if "--candidate" not in args else []
    res = run_script("pixel_norm_fresh.py", *args, *base, "--json", str(tmp_path / "r.json"))
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and said in lines[0] and "Traceback" not in res.stderr
    assert not (tmp_path / "r.json").exists()
