"""Stop 77 (issue 9, h9g): the blend probe at opacity 0.05 (``detect/blend_low.py``), its raise
term ``"<scorer>:blend-low"`` and its place in ``calibrate``."""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import InspectionTarget, ModelVerdict
from trojanscope.detect.blend_low import (
    LOW_LOGIT,
    LOW_SHARE,
    LOW_UNNAMED,
    check_low_terms,
    low_note,
    low_reading,
    low_term,
)
from trojanscope.detect.calibration import Calibrator, calibrate

SCORER = "auto:out-of-coverage"
GAP = ["activation:relu", "layer:conv", "norm:batch", "pool:global_avg"]


KIND = "784/10:" + "+".join(sorted(GAP))


def _cals(lead: float = 0.5, kinds: dict | None = None, min_clean: int = 8) -> dict:
    key = f"{SCORER}:blend-low"
    on = {"lead": lead, "kinds": kinds or {}, "min_clean": min_clean}
    return {SCORER: Calibrator(method=SCORER, features=[], coef=[], intercept=-3.0),
            key: Calibrator(method=key, features=[], coef=[], intercept=0.0, fitted_on=on)}


def _verdict(top: int = 3, share: float = 0.9, second: float = 0.1, named: int = 8,
             p: float = 0.03) -> ModelVerdict:
    f = {f"{LOW_SHARE}{c}": share if c == top else (second if c == (top + 1) % 10 else 0.0)
         for c in range(10)}
    f.update({"mmbd_input_size": 784.0, **{f"mmbd_class_ratio_{c}": 1.0 for c in range(10)}})
    return ModelVerdict(method="auto", statistic=1.0, per_class=[], features=f, probability=p,
                        target_classes=[named, *(c for c in range(10) if c != named)],
                        traits=GAP)


def test_a_reach_above_both_bars_is_raised_to_the_flag_and_named() -> None:
    v = _verdict()
    lift = low_term(v, _cals(), SCORER)
    assert v.probability == pytest.approx(0.5) and lift > 3.0
    assert v.target_classes[0] == 3 and v.features[LOW_UNNAMED] == 8.0
    assert "class 3" in low_note(v.features) and "named before class 8" in low_note(v.features)


@pytest.mark.parametrize("share, second", [(0.45, 0.0), (0.9, 0.5)])
def test_under_the_bar_nothing_moves(share: float, second: float) -> None:
    """A lead under 0.5: a narrow reach, or a broad one with a second class nearly as far."""
    v = _verdict(share=share, second=second)
    assert low_term(v, _cals(), SCORER) == 0.0
    assert v.probability == 0.03 and v.target_classes[0] == 8 and low_note(v.features) is None


def test_a_trait_set_with_enough_clean_heads_reads_its_own_bar() -> None:
    """Lead 0.6: over the term's 0.5 but under the trait set's own 0.7 (8 clean heads); with
    fewer than ``min_clean`` heads the trait set's entry is not read."""
    own = {KIND: {"n_clean": 8, "lead": 0.7}}
    v = _verdict(share=0.7, second=0.1)
    assert low_term(v, _cals(kinds=own), SCORER) == 0.0 and v.probability == 0.03
    assert low_term(v, _cals(kinds=own, min_clean=9), SCORER) > 0 and v.probability == 0.5
    low = _verdict(share=0.45, second=0.0)  # a kind whose clean heads lead little: its bar 0.4
    assert low_term(low, _cals(kinds={KIND: {"n_clean": 8, "lead": 0.4}}), SCORER) > 0


def test_it_never_lowers_and_needs_its_entry_and_readings() -> None:
    v = _verdict(named=3, p=0.97)
    assert low_term(v, _cals(), SCORER) == 0.0 and v.probability == 0.97
    assert LOW_UNNAMED not in v.features  # already named first
    bare = _verdict()
    assert low_term(bare, {SCORER: _cals()[SCORER]}, SCORER) == 0.0  # no entry
    none = _verdict()
    none.features = {}
    assert low_term(none, _cals(), SCORER) == 0.0 and none.probability == 0.03


def test_calibrate_applies_it_last_and_a_second_calibration_reads_the_same() -> None:
    """Through ``calibrate`` (the scorer's logit -3.0, then the term); calibrating the same
    verdict again restores the class named before and reaches the same reading."""
    v = _verdict()
    v.features["mmbd_neglog10_p"] = 1.0
    term = _cals()[f"{SCORER}:blend-low"]
    cals = {"auto": Calibrator(method="auto", features=["mmbd_neglog10_p"], coef=[0.0],
                               intercept=-3.0),
            "auto:blend-low": Calibrator(method="auto:blend-low", features=[], coef=[],
                                         intercept=0.0, fitted_on=term.fitted_on)}
    calibrate(v, cals)
    first = (v.probability, list(v.target_classes), v.features.get(LOW_LOGIT))
    calibrate(v, cals)
    assert (v.probability, list(v.target_classes), v.features.get(LOW_LOGIT)) == first
    assert v.probability == pytest.approx(0.5) and v.target_classes[0] == 3
    assert v.features[LOW_UNNAMED] == 8.0


@pytest.mark.parametrize("fitted", [{"lead": 1.2}, {}, {"lead": "x"},
                                    {"lead": 0.5, "kinds": {KIND: {"lead": 0.5}}},
                                    {"lead": 0.5, "min_clean": 0}])
def test_an_entry_it_could_not_read_is_refused(fitted: dict) -> None:
    cals = _cals()
    cals[f"{SCORER}:blend-low"].fitted_on = fitted
    with pytest.raises(ValueError, match="blend-low"):
        check_low_terms(cals)


def test_the_probe_reads_gap_heads_only_and_leaves_the_model_as_it_came() -> None:
    torch.manual_seed(0)
    gap = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 10)).eval()
    flat = nn.Sequential(nn.Flatten(), nn.Linear(64, 10)).eval()
    x = torch.rand(60, 1, 8, 8)
    data = TensorDataset(x, torch.arange(60) % 10, tuple(str(c) for c in range(10)))
    before = json.dumps([p.tolist() for p in gap.parameters()])
    got = low_reading(InspectionTarget(gap, (1, 8, 8), 10, data), 0)
    assert sorted(got) == sorted(f"{LOW_SHARE}{c}" for c in range(10))
    assert all(0.0 <= v <= 1.0 for v in got.values())
    assert got == low_reading(InspectionTarget(gap, (1, 8, 8), 10, data), 0)  # seeded
    assert json.dumps([p.tolist() for p in gap.parameters()]) == before
    assert low_reading(InspectionTarget(flat, (1, 8, 8), 10, data), 0) == {}
    assert low_reading(InspectionTarget(gap, (1, 8, 8), 10, None), 0) == {}


def test_auto_takes_the_option_and_refuses_a_bad_value() -> None:
    from trojanscope import registry
    from trojanscope.errors import UserInputError

    assert registry.create("detector", "auto", blend_low=True).blend_low is True
    assert registry.create("detector", "auto").blend_low is False  # opt-in
    with pytest.raises(UserInputError):
        registry.create("detector", "auto", blend_low="maybe")


def test_the_candidates_bars_are_the_dev_rows_own() -> None:
    """``cal_blend_low.json``'s bars are the committed development rows' (their clean heads'
    largest leads + 0.15), and the script refuses bad input in one line."""
    from pathlib import Path

    import outside_blend_low
    from outside_named_rule import read_rows

    data = Path(__file__).resolve().parents[2] / "benchmarks/data/outside_s77_h9g"
    rows = [r for f in sorted((data / "dev_rows").glob("*.jsonl.gz"))
            for r in read_rows(f"{f.name.split('.')[0]}={f}")]
    fitted = json.loads((data / "cal_blend_low.json").read_text())
    on = fitted["auto:out-of-coverage:blend-low"]["fitted_on"]
    got = outside_blend_low.bars(rows, 0.15)
    assert (got["lead"], got["kinds"], got["n_clean"]) == (on["lead"], on["kinds"], 48)
    assert outside_blend_low.bars([r for r in rows if r["backdoored"]]) is None
    with pytest.raises(SystemExit) as exc:
        outside_blend_low.main(["dev"])
    assert exc.value.code == 2
