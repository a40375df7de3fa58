"""Issue 9, stop 60 (h9): the centre term reads a kind no reference holds against the nearest
reference kind that shares its head trait (``fitted_on.nearest``); without it, or for a kind
with an entry of its own, it reads as at stop 59."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_kind_centre import GAP00, KIND, RATIOS, TRAITS, _entry

from trojanscope.detect.calibration import load_calibrators
from trojanscope.detect.kind_centre import kind_shift, nearest_kind
from trojanscope.errors import UserInputError

GAP = "pool:global_avg"
RELU_CLS = ["activation:relu", "layer:conv", "norm:batch", GAP, "pool:max"]  # no reference
RES_GN = ["activation:relu", "layer:conv", "norm:layer", GAP]


def _fitted(nearest: str | None = GAP, **extra) -> dict:
    fitted = _entry(logit=5.0, centre=-3.0, **extra)["fitted_on"]
    fitted["reference"]["784/10:" + "+".join(RES_GN)] = {"n_clean": 3, "logit": -1.0}
    fitted["reference"]["784/10:activation:relu+layer:conv+pool:max"] = {"n_clean": 9,
                                                                       "logit": -4.0}
    if nearest is not None:
        fitted["nearest"] = nearest
    return fitted


def test_an_unseen_gap_kind_is_read_against_the_nearest_gap_kind():
    assert kind_shift(GAP00, RELU_CLS, _fitted(nearest=None)) == 0.0  # stop 59: no reference
    assert kind_shift(GAP00, RELU_CLS, _fitted()) == pytest.approx(-8.0)  # the GELU GAP kind's
    assert kind_shift(GAP00, TRAITS, _fitted()) == pytest.approx(-8.0)  # its own, as before


def test_a_kind_with_its_own_entry_or_without_the_head_is_read_as_before():
    assert kind_shift(GAP00, RES_GN, _fitted()) == 0.0  # its own entry, 3 clean: not read
    no_head = ["activation:relu", "layer:conv", "norm:batch", "pool:max"]
    assert kind_shift(GAP00, no_head, _fitted()) == 0.0  # no global pooling: no fall-back
    other_size = dict(GAP00, mmbd_input_size=3072.0)  # no GAP kind of that input size
    assert kind_shift(other_size, RELU_CLS, _fitted()) == 0.0


def test_the_guard_reads_the_nearest_kinds_medians():
    fitted = _fitted(guard=1.3)
    for entry in fitted["reference"].values():
        entry["median"] = list(RATIOS)
    assert kind_shift(GAP00, RELU_CLS, fitted) == pytest.approx(-8.0)
    target = dict(GAP00, mmbd_class_ratio_3=RATIOS[3] + 1.5)  # a class 1.5 above the kind's
    assert kind_shift(target, RELU_CLS, fitted) == 0.0


def test_nearest_kind_shares_the_most_traits_then_differs_least():
    ref = {"784/10:a+b+h": {"n_clean": 4}, "784/10:a+c+d+h": {"n_clean": 4},
           "784/10:a+b+c+h": {"n_clean": 3}, "784/10:a+b+c": {"n_clean": 9},
           "3072/10:a+b+c+h": {"n_clean": 9}}
    assert nearest_kind("784/10:a+b+c+h", "h", ref, 4) == "784/10:a+b+h"  # 3 shared, 1 off
    assert nearest_kind("784/10:a+c+d+e+h", "h", ref, 4) == "784/10:a+c+d+h"
    assert nearest_kind("784/10:a+b+c+h", "h", ref, 5) is None  # none with 5 clean
    assert nearest_kind("784/10:a+b", "z", ref, 1) is None  # no kind carries the head


def test_a_nearest_that_names_no_trait_is_refused(tmp_path: Path):
    shipped = json.loads((Path(__file__).resolve().parents[2] / "src/trojanscope/detect"
                          / "calibration.json").read_text())
    entry = _entry()
    entry["fitted_on"]["nearest"] = "pool:global"
    path = tmp_path / "cal.json"
    path.write_text(json.dumps({**shipped, entry["method"]: entry}))
    with pytest.raises(UserInputError, match="nearest"):
        load_calibrators(path)
    assert KIND.endswith(GAP + "+pool:max")


def test_the_candidate_file_carries_the_head_trait_on_every_centre_entry(tmp_path: Path):
    """``benchmarks/kind_centre_nearest.py`` writes the shipped file with ``nearest`` on both
    centre entries and nothing else changed; a trait no reader reports: one line, exit 2."""
    from script_run import run_script

    out = tmp_path / "cal_N.json"
    res = run_script("kind_centre_nearest.py", "--trait", GAP, "--write", out)
    assert res.returncode == 0, res.stderr
    got, shipped = load_calibrators(out), load_calibrators()
    assert set(got) == set(shipped)
    for key in got:
        near = got[key].fitted_on.pop("nearest", None)
        assert near == (GAP if key.endswith(":centre") else None)
        assert got[key] == shipped[key]
    bad = tmp_path / "bad.json"
    res = run_script("kind_centre_nearest.py", "--trait", "pool:global", "--write", bad)
    assert res.returncode == 2 and res.stderr.strip().count("\n") == 0
    assert "nearest must name a trait" in res.stderr and not bad.exists()
