"""Stop 82 (issue 9, h9sig): the SIG bars refitted on every spent GAP head, the share reading's
from each trait set's second-largest clean lead, so one clean sink head no longer holds a bar up
alone (``benchmarks/outside_sig_second.py``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trojanscope.detect.base import ModelVerdict
from trojanscope.detect.calibration import Calibrator
from trojanscope.detect.logits import sigmoid
from trojanscope.detect.sig_probe import SIG_PHASE, SIG_SHARE, sig_term

HERE = Path(__file__).resolve().parents[2] / "benchmarks/data/outside_s82_h9sig"
SIG = ("auto:out-of-coverage:sig", "auto:sig", "auto:out-of-coverage:sig-share",
       "auto:sig-share")
CLS_RELU = ["activation:relu", "layer:conv", "norm:batch", "pool:global_avg", "pool:max"]
LEAKY = ["activation:leaky_relu", "layer:conv", "norm:batch", "pool:global_avg"]


def _row(lead: float, backdoored: bool = False) -> dict:
    """A spent GAP head's run whose share reading leads ``lead`` at class 0."""
    f = {f"{SIG_SHARE}{c}": (0.9 if c == 0 else 0.9 - lead) for c in range(10)}
    f.update({f"{SIG_PHASE}{c}": 0.0 for c in range(10)})
    f.update({"mmbd_input_size": 784.0, **{f"mmbd_class_ratio_{c}": 1.0 for c in range(10)}})
    return {"backdoored": backdoored, "report": {"features": f, "traits": CLS_RELU}}


def test_a_bar_from_the_second_head_ignores_one_outlier() -> None:
    from outside_blend_low import bars
    from outside_sig_both import share_of

    rows = [_row(0.7), _row(0.3), _row(0.2), *(_row(0.05) for _ in range(6)), _row(0.95, True)]
    kind = next(iter(bars(rows, 0.15, share_of)["kinds"]))
    first = bars(rows, 0.15, share_of)["kinds"][kind]
    second = bars(rows, 0.15, share_of, rank=2)["kinds"][kind]
    assert first == {"n_clean": 9, "lead": pytest.approx(0.85)}
    assert second == {"n_clean": 9, "lead": pytest.approx(0.45)}  # backdoored rows never count
    assert bars(rows[:1], 0.15, share_of, rank=2)["kinds"][kind]["lead"] == pytest.approx(0.85)


def test_the_candidate_is_todays_file_with_the_sig_bars_refitted() -> None:
    """``cal_second.json`` is ``outside_sig_second.candidate_file`` of ``cal_today.json`` (the
    shipped file at the branch point) on the spent heads: only the four SIG entries differ, the
    share bars from the second head, the phase bars from the largest, the slope as shipped."""
    from dataclasses import asdict

    from outside_sig_second import candidate_file, spent_rows
    from trojanscope.detect.calibration import load_calibrators

    today = json.loads((HERE / "cal_today.json").read_text())
    cand = json.loads((HERE / "cal_second.json").read_text())
    got = candidate_file(load_calibrators(HERE / "cal_today.json"), spent_rows())
    assert json.loads(json.dumps({k: asdict(c) for k, c in got.items()})) == cand
    assert {k: v for k, v in cand.items() if k not in SIG} == {
        k: v for k, v in today.items() if k not in SIG}
    for key in SIG:
        fitted = cand[key]["fitted_on"]
        assert fitted["rank"] == (2 if key.endswith("sig-share") else 1)
        assert fitted["beyond"] == today[key]["fitted_on"]["beyond"] == 10.0
    share = cand["auto:sig-share"]["fitted_on"]["kinds"]
    phase = cand["auto:sig"]["fitted_on"]["kinds"]
    cls_relu = next(k for k in share if "relu+layer:conv+norm:batch" in k and "max" in k
                    and "leaky" not in k)
    leaky = next(k for k in phase if "leaky_relu" in k)
    # stop 81's: 0.85 (one sink head at 0.70) and 0.45 (8 clean heads, largest 0.30)
    assert today["auto:sig-share"]["fitted_on"]["kinds"][cls_relu]["lead"] == 0.85
    assert share[cls_relu]["lead"] == 0.45 and phase[leaky]["lead"] == 0.7


def _verdict(traits: list[str], phase: tuple[int, float], share: tuple[int, float]
             ) -> ModelVerdict:
    f = {f"{SIG_PHASE}{c}": phase[1] if c == phase[0] else 0.0 for c in range(10)}
    f.update({f"{SIG_SHARE}{c}": share[1] if c == share[0] else 0.0 for c in range(10)})
    f.update({"mmbd_input_size": 784.0, **{f"mmbd_class_ratio_{c}": 1.0 for c in range(10)}})
    return ModelVerdict(method="auto", statistic=1.0, per_class=[], features=f,
                        probability=0.03, target_classes=[8, *(c for c in range(10) if c != 8)],
                        traits=traits)


def test_the_shipped_sig_bars_are_the_candidates() -> None:
    """The rule was met (``rule82.txt``): the shipped SIG entries are ``cal_second.json``'s. A
    ``gap_cls_relu`` head whose share leads 0.80 at class 7 (stop 81's fresh miss, 9225
    ``gap_cls_relu-bd02``) is raised past the flag, where stop 81's file left it; a
    ``gap_leaky_bn`` head whose phase leads 0.55 at class 0 (9225 ``gap_leaky_bn-cl00``, clean)
    is no longer raised."""
    from shipped_calibration import shipped_before_s82_h9c, shipped_before_s82_h9sig

    shipped = shipped_before_s82_h9c()  # the raw file but stop 82 h9c's mask-gate `lift`
    cand = json.loads((HERE / "cal_second.json").read_text())
    before = shipped_before_s82_h9sig()
    assert all(shipped[k] == cand[k] != before[k] for k in SIG)
    assert {k: v for k, v in shipped.items() if k not in SIG} == {
        k: v for k, v in before.items() if k not in SIG}
    now = {k: Calibrator(**v) for k, v in shipped.items() if k in SIG}
    old = {k: Calibrator(**v) for k, v in before.items() if k in SIG}

    missed, raised = (_verdict(CLS_RELU, (7, 0.30), (7, 0.80)) for _ in range(2))
    sig_term(missed, old, "auto")
    sig_term(raised, now, "auto")
    assert missed.probability == 0.03 and missed.target_classes[0] == 8
    assert raised.probability == pytest.approx(sigmoid(10 * (0.80 - 0.45)))
    assert raised.target_classes[0] == 7

    flagged, left = (_verdict(LEAKY, (0, 0.55), (0, 0.05)) for _ in range(2))
    sig_term(flagged, old, "auto")
    sig_term(left, now, "auto")
    assert flagged.probability == pytest.approx(sigmoid(10 * (0.55 - 0.45)))
    assert left.probability == 0.03 and left.target_classes[0] == 8
