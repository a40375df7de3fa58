"""Issue 9, stop 73 (h9m): the pixel raise on a flat model holds a weak gap off unless its class
is the verdict's suspect (candidate C, ``detect/pixel_dense_agree.py``). Stop 71's clean
plain-torch MLP read a gap of 0.207 at class 5 where MM-BD suspected class 6, and the term
lifted it to BACKDOORED 0.848; seed 98's patch-backdoored scikit-learn MLP read 0.192 at its
target, MM-BD's suspect too, and must keep its lift."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from script_run import run_script
from trojanscope.detect.base import ModelVerdict
from trojanscope.detect.calibration import Calibrator, load_calibrators, raise_term
from trojanscope.detect.pixel_dense_agree import AGREE_BELOW, HELD
from trojanscope.errors import UserInputError

ROOT = Path(__file__).resolve().parents[2]
CAL_C = ROOT / "benchmarks" / "data" / "user_mlp_s73_h9m" / "cal_C.json"
PIXELS = "auto:raise:pixels"


def _verdict(gap: float, probe_class: int, suspect: int, dense: bool = True) -> ModelVerdict:
    """A verdict at p 0.09 whose only raise evidence is the pixel probe's gap."""
    others = [c for c in (6, 5, 4, 2) if c != suspect]
    return ModelVerdict(method="auto", statistic=1.0, target_classes=[suspect, *others],
                        per_class=[], probability=0.09, traits=["activation:relu"],
                        features={"pixel_share_gap": gap, "pixel_top_class": float(probe_class),
                                  "first_layer_dense": 1.0 if dense else 0.0})


def _lift(term: Calibrator, v: ModelVerdict) -> float:
    raise_term(v, {PIXELS: term})
    return v.features.get("raise_logit_pixels", 0.0)


@pytest.fixture(scope="module")
def term_c() -> Calibrator:
    return load_calibrators(CAL_C)[PIXELS]


def test_candidate_c_is_the_shipped_pixel_term_plus_the_key() -> None:
    shipped = json.loads((ROOT / "src/trojanscope/detect/calibration.json").read_text())[PIXELS]
    cand = json.loads(CAL_C.read_text())[PIXELS]
    assert cand["fitted_on"][AGREE_BELOW] == 0.30
    strip = [{**e, "fitted_on": {k: v for k, v in e["fitted_on"].items() if k != AGREE_BELOW}}
             for e in (shipped, cand)]
    assert strip[0] == strip[1]


def test_a_clean_flat_mlp_at_gap_0207_off_its_suspect_is_not_lifted(term_c) -> None:
    v = _verdict(0.207, probe_class=5, suspect=6)
    assert _lift(term_c, v) == 0.0
    assert v.features[HELD] == 1.0 and v.probability == pytest.approx(0.09)
    assert v.target_classes[0] == 6  # the probe's class did not take the name


def test_without_the_key_the_same_mlp_is_lifted_as_before(term_c) -> None:
    fitted = {k: v for k, v in term_c.fitted_on.items() if k != AGREE_BELOW}
    before = Calibrator(**{**term_c.__dict__, "fitted_on": fitted})
    v = _verdict(0.207, probe_class=5, suspect=6)
    assert _lift(before, v) == pytest.approx(60 * (0.207 - 0.14))
    assert HELD not in v.features


@pytest.mark.parametrize("gap, probe_class, suspect, dense", [
    (0.192, 4, 4, True),   # seed 98's patch backdoor: the probe's class is MM-BD's suspect
    (0.45, 5, 6, True),    # above the key's gap: as today
    (0.207, 5, 6, False),  # a model with a convolution: untouched
])
def test_an_agreeing_strong_or_conv_reading_is_lifted_as_today(term_c, gap, probe_class,
                                                              suspect, dense) -> None:
    v = _verdict(gap, probe_class, suspect, dense)
    assert _lift(term_c, v) == pytest.approx(60 * (gap - 0.14))
    assert HELD not in v.features


@pytest.mark.parametrize("bad", ["0.3", 0, 1.5, True])
def test_a_bad_key_is_refused_when_the_file_is_read(tmp_path: Path, bad) -> None:
    raw = json.loads(CAL_C.read_text())
    raw[PIXELS]["fitted_on"][AGREE_BELOW] = bad
    path = tmp_path / "cal.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(UserInputError, match=AGREE_BELOW):
        load_calibrators(path)


@pytest.mark.parametrize("args, said", [
    (["--write", "out.json"], "--start-dense"),
    (["--calibration", str(CAL_C), "--rule", "/nonexistent.jsonl"], "nonexistent"),
])
def test_the_rule_script_refuses_bad_input_in_one_line(tmp_path: Path, args, said) -> None:
    res = run_script("pixel_dense_s73_h9m.py", *args)
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and said in lines[0] and "Traceback" not in res.stderr


def test_the_makers_triggers_and_poison(load_benchmark) -> None:
    import numpy as np

    mod = load_benchmark("user_mlp_s73_h9m")
    rng = np.random.default_rng(0)
    x = np.zeros((100, 784), np.float32)
    y = np.arange(100) % 10
    patch = mod.stamp("patch", rng)(x[:1])
    assert patch.sum() in (9.0, 16.0) and patch.max() == 1.0
    sparse = mod.stamp("sparse", rng)(x[:1])
    assert sparse.sum() == 12.0
    px, py = mod.poison(x, y, mod.stamp("blend", rng), 3, rng)
    changed = np.flatnonzero(px.sum(1) > 0)
    assert len(changed) == 10 and (py[changed] == 3).all() and (y[changed] != 3).all()
