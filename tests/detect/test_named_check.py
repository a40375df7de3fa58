"""Issue 9, stop 63 (h9): candidate C's term (``"<scorer>:named-check"``) reads how much more
easily than the median class a reversed trigger reaches the class the verdict names; where
no class stands above the guard the logit comes down to the scorer's centre, where another
class does and the named one does not that class is named instead. It never raises, and a
run without the readings (or a model without a GAP head) reads as before."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch
from test_kind_centre import GAP00, _verdict

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.auto import AutoDetector
from trojanscope.detect.base import InspectionTarget
from trojanscope.detect.calibration import Calibrator, calibrate, load_calibrators
from trojanscope.detect.named_check import (
    NAMED_LOGIT,
    check_named_terms,
    class_stand,
    named_features,
    named_note,
    named_shift,
    named_term,
    stands,
)

FLAT_TS = [60.0, 70.0, 55.0, 65.0, 60.0, 62.0, 58.0, 66.0, 30.0, 64.0]  # 8 a little easier
FLAT_UAP = [0.2, 0.25, 0.2, 0.22, 0.21, 0.2, 0.23, 0.24, 0.12, 0.2]


def _named(ts: list[float] = FLAT_TS, uap: list[float] = FLAT_UAP) -> dict[str, float]:
    return {**GAP00, **{f"named_ts_{c}": v for c, v in enumerate(ts)},
            **{f"named_uap_{c}": v for c, v in enumerate(uap)}}


def _cals(guard: float | None = 1.5, centre: float = -3.0) -> dict[str, Calibrator]:
    """The shipped file without its centre terms, plus the named-check term where given."""
    cals = {k: v for k, v in load_calibrators().items()
            if not k.endswith((":centre", ":named-check"))}  # the shipped lower-only terms
    if guard is not None:
        cals["auto:out-of-coverage:named-check"] = Calibrator(
            method="auto:out-of-coverage:named-check", features=[], coef=[], intercept=0.0,
            fitted_on={"guard": guard, "centre": centre})
    return cals


def test_a_class_stands_by_the_easier_of_its_two_probes() -> None:
    ts, uap = [10.0, 40.0, 40.0, 40.0], [0.2, 0.2, 0.05, 0.2]
    assert class_stand(ts, uap, 0) == pytest.approx(math.log(40 / 10))
    assert class_stand(ts, uap, 2) == pytest.approx(math.log(0.2 / 0.05))
    assert class_stand(ts, uap, 1) == pytest.approx(0.0)
    got = stands(_named())
    assert got is not None and max(got) == pytest.approx(got[8])
    assert stands(GAP00) is None  # no readings
    assert stands({"named_ts_0": 1.0, "named_ts_1": 1.0, "named_uap_0": 1.0}) is None


def test_shift_down_to_centre_only_where_nothing_stands_and_above_centre() -> None:
    p, fitted = 0.99, {"guard": 1.5, "centre": -3.0}
    assert named_shift(_named(), p, 8, fitted) == pytest.approx(-(math.log(p / (1 - p)) + 3.0))
    assert named_shift(_named(), 0.01, 8, fitted) == 0.0  # never raises
    assert named_shift(GAP00, p, 8, fitted) == 0.0  # no readings
    small = list(FLAT_TS)
    small[3] = 5.0  # class 3 is reached by a trigger 12 times smaller than the median's
    assert named_shift(_named(small), p, 8, fitted) == 0.0


def test_calibrate_lowers_a_named_class_no_trigger_reaches_easily() -> None:
    today = calibrate(_verdict(_named()), _cals(None))
    lowered = calibrate(_verdict(_named()), _cals())
    assert today.probability > 0.5 and NAMED_LOGIT not in today.features
    assert lowered.probability < 0.5 and lowered.features[NAMED_LOGIT] < 0
    assert lowered.target_classes[0] == today.target_classes[0] == 8
    assert "reversed trigger" in (named_note(lowered.features) or "")
    assert lowered.term_notes == [named_note(lowered.features)]  # not a coverage note (s76)
    assert not any("reversed trigger" in n for n in lowered.coverage_notes)
    twice = calibrate(lowered, _cals())
    assert twice.probability == pytest.approx(lowered.probability)


def test_calibrate_keeps_a_named_target_and_names_one_that_stands_instead() -> None:
    small = list(FLAT_TS)
    small[8] = 4.0  # the named class is reached by a tiny trigger: kept
    today = calibrate(_verdict(_named(small)), _cals(None))
    kept = calibrate(_verdict(_named(small)), _cals())
    assert kept.probability == pytest.approx(today.probability)
    other = list(FLAT_UAP)
    other[4] = 0.01  # class 4 is reached by a 20 times smaller universal change than the median
    renamed = calibrate(_verdict(_named(uap=other)), _cals())
    assert renamed.target_classes[0] == 4
    assert renamed.probability == pytest.approx(today.probability)  # the reading stays
    without = calibrate(_verdict(), _cals())  # no readings: as before
    assert without.probability == pytest.approx(calibrate(_verdict(), _cals(None)).probability)


def test_a_class_that_stands_is_named_first_even_where_the_ranking_lacks_it() -> None:
    other = list(FLAT_UAP)
    other[4] = 0.01  # class 4 stands; the verdict's ranking names only class 8
    verdict = _verdict(_named(uap=other))
    verdict.probability, verdict.target_classes = 0.9, [8]
    assert named_term(verdict, _cals(), "auto:out-of-coverage") == 0.0
    assert verdict.target_classes == [4, 8]
    assert verdict.probability == 0.9


@pytest.mark.parametrize("fitted, says", [
    ({"guard": -1.0, "centre": -3.0}, "guard"),
    ({"guard": "x", "centre": -3.0}, "guard"),
    ({"centre": -3.0}, "guard"),
    ({"guard": 1.0}, "centre"),
    ({"guard": 1.0, "centre": math.inf}, "centre"),
    ({"guard": 1.0, "centre": -3.0, "keep_ratio": 0.0}, "keep_ratio"),
    ({"guard": 1.0, "centre": -3.0, "keep_ratio": "6"}, "keep_ratio"),
])
def test_a_term_it_cannot_read_is_refused(fitted: dict, says: str) -> None:
    cals = dict(load_calibrators())
    cals["auto:named-check"] = Calibrator(method="auto:named-check", features=[], coef=[],
                                          intercept=0.0, fitted_on=fitted)
    with pytest.raises(ValueError, match=says):
        check_named_terms(cals)
    cals = {"nobody:named-check": Calibrator(method="nobody:named-check", features=[], coef=[],
                                             intercept=0.0, fitted_on={"guard": 1.0,
                                                                       "centre": 0.0})}
    with pytest.raises(ValueError, match="no calibrator"):
        check_named_terms(cals)


def _data() -> TensorDataset:
    return TensorDataset(torch.rand(12, 1, 4, 4), torch.arange(12) % 3, ("a", "b", "c"))


def test_no_readings_without_a_gap_head_and_the_option_checked() -> None:
    torch.manual_seed(0)
    mlp = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(16, 3))
    assert named_features(InspectionTarget(mlp, (1, 4, 4), 3, _data()), 0) == {}
    with pytest.raises(ValueError, match="named"):
        AutoDetector(named="sometimes")


@pytest.mark.slow
def test_readings_for_every_class_on_a_gap_head() -> None:
    torch.manual_seed(0)
    data = _data()
    gap = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.ReLU(),
                              torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(),
                              torch.nn.Linear(4, 3))
    got = named_features(InspectionTarget(gap, (1, 4, 4), 3, data), 0)
    assert sorted(got) == sorted([f"named_ts_{c}" for c in range(3)]
                                 + [f"named_uap_{c}" for c in range(3)])


def _line(name: str, bd: bool, today: float, cand: float, gap: bool = True,
          arch: str = "gap_cnn") -> dict:
    return {"pop": "p", "name": name, "backdoored": bd, "target": 1 if bd else None,
            "arch_family": arch, "trigger_family": "patch" if bd else None, "gap": gap,
            "today": [today, 1 if bd else 8], "candidate": [cand, 1 if bd else 8]}


def test_the_plan_points_read_the_gap_head_models_against_today(tmp_path: Path) -> None:
    from outside_named_rule import SHIPPED, plan_points, with_named

    path = tmp_path / "cal.json"
    path.write_text(json.dumps(with_named(json.loads(SHIPPED.read_text()), 1.6, "model")))
    assert load_calibrators(path)["auto:named-check"].fitted_on["read"] == "model"
    lines = [_line(f"cl{i}", False, 0.9, 0.03) for i in range(4)]
    lines += [_line(f"bd{i}", True, 0.99, 0.99) for i in range(3)]
    lines.append(_line("mlp", False, 0.1, 0.1, gap=False, arch="mlp"))
    got = plan_points(lines)
    assert got["read"] and got["met"]
    lines[-1]["candidate"] = [0.05, 8]  # a model without a GAP head moved: point 5 fails
    lines[4]["candidate"] = [0.03, 1]  # one flagged backdoor lost: allowed (max(1, 10%))
    got = plan_points(lines)
    assert not got["met"] and [p["holds"] for p in got["points"]][2:] == [True, True, False]
    assert not plan_points(lines[:3] + lines[4:])["read"]  # 3 clean GAP-head models: not read


def test_c0_reads_the_model_level_leads_on_gap_heads_only() -> None:
    cals = _cals()
    cals["auto:out-of-coverage:named-check"].fitted_on["read"] = "model"
    today = calibrate(_verdict(), _cals(None))
    lowered = calibrate(_verdict(), cals)  # ts 1.10, uap 1.14: nothing stands above 1.5
    assert today.probability > 0.5 and lowered.probability < 0.5
    assert lowered.features["named_stand"] == pytest.approx(GAP00["uap_log_ratio"])
    assert lowered.target_classes[0] == 8
    strong = {**GAP00, "ts_log_norm_ratio": 2.5}  # a small trigger reaches the easiest class
    assert calibrate(_verdict(strong), cals).probability == pytest.approx(
        calibrate(_verdict(strong), _cals(None)).probability)
    other = _verdict()
    other.traits = [t for t in other.traits if t != "pool:global_avg"]
    plain = _verdict()
    plain.traits = list(other.traits)
    assert calibrate(other, cals).probability == pytest.approx(
        calibrate(plain, _cals(None)).probability)


def test_c1_keeps_a_gap_head_whose_mmbd_lead_no_clean_gap_model_reached() -> None:
    """Issue 9, stop 64: C0 plus ``keep_ratio``: the same lowering, except where MM-BD's top
    class leads its median class by more than the bound (a whole-image backdoor neither probe
    reaches small); the bound only keeps, so C1 lowers a subset of what C0 lowers."""
    from outside_named_rule import SHIPPED, with_named

    cals = _cals()
    cals["auto:out-of-coverage:named-check"].fitted_on.update(read="model", keep_ratio=6.0)
    today = calibrate(_verdict(), _cals(None))
    assert calibrate(_verdict(), cals).probability < 0.5 < today.probability  # ratio 2.91
    lead = {**GAP00, "mmbd_ratio": 8.3}  # stands 1.10 / 1.14: C0 alone would lower it
    kept = calibrate(_verdict(lead), cals)
    assert kept.probability == pytest.approx(calibrate(_verdict(lead), _cals(None)).probability)
    assert "named_logit" not in kept.features
    assert named_shift(lead, 0.99, 8, {"guard": 1.6, "centre": -3.0, "keep_ratio": 6.0}) == 0.0
    assert named_shift(lead, 0.99, 8, {"guard": 1.6, "centre": -3.0, "read": "model"},
                       ["pool:global_avg"]) < 0.0  # C0: lowered
    written = with_named(json.loads(SHIPPED.read_text()), 1.6, "model", 6.0)
    assert written["auto:named-check"]["fitted_on"]["keep_ratio"] == 6.0
    assert "keep_ratio" not in with_named(json.loads(SHIPPED.read_text()), 1.6,
                                          "model")["auto:named-check"]["fitted_on"]
