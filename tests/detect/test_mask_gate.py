"""The data-free mask gate (``detect/mask_gate.py``, issue 9, stop 76: h9m): it lowers a data-free
flag at a class the excess term read by its entry's logits where the named class's mask search
stands at or under the line, runs no search where no lowering could change the verdict, never
raises, and a file with an unreadable entry is refused."""

from __future__ import annotations

import json

import pytest
import torch
from test_data_free_signal_s75 import _shortcut_model
from test_mask_gate_s75 import _inputs

from trojanscope.detect.base import ClassResult, ModelVerdict
from trojanscope.detect.calibration import Calibrator, load_calibrators
from trojanscope.detect.class_excess import EXCESS
from trojanscope.detect.logits import logit
from trojanscope.detect.mask_gate import (
    ENTRY,
    MASK_LOGIT,
    MASK_STAND,
    MASK_STEPS,
    gate_read,
    mask_gate,
)
from trojanscope.errors import UserInputError

FITTED = {"shift": 5.0, "line": {"cnn": 0.69, "dense": 0.69}, "steps": {"cnn": 300, "dense": 300},
          "check": 20, "refs": 3, "lam": 0.01, "lr": 0.1}


def _gate(**changed) -> dict[str, Calibrator]:
    fitted = {**FITTED, **changed}
    return {ENTRY: Calibrator(method=ENTRY, features=[], coef=[], intercept=0.0,
                              fitted_on=fitted)}


def _verdict(p: float, top: int = 0, data_free: bool = True, excess: bool = True
             ) -> ModelVerdict:
    v = ModelVerdict(method="auto", statistic=1.0, target_classes=[top, 1, 2, 3],
                     per_class=[ClassResult(c, 0.0) for c in range(4)],
                     features={EXCESS: 1.2} if excess else {})
    v.probability, v.data_free = p, data_free
    return v


def _maximisers() -> tuple[torch.Tensor, torch.Tensor]:
    X, M = _inputs()  # (4 classes, 3 starts, 1, 8, 8): MM-BD's keeps them flat, class by class
    return X.reshape(12, 1, 8, 8), M.reshape(12)


def test_a_flag_at_or_under_the_line_loses_the_entry_logits() -> None:
    v = _verdict(0.9)
    added = mask_gate(v, _shortcut_model(), _maximisers(), _gate(line={"cnn": 50.0,
                                                                      "dense": 50.0}))
    assert added == -5.0 and v.features[MASK_LOGIT] == -5.0
    assert logit(v.probability) == pytest.approx(logit(0.9) - 5.0)
    assert v.features[MASK_STEPS] == 300.0 and MASK_STAND in v.features


def test_over_the_line_the_search_ends_early_and_nothing_moves() -> None:
    v = _verdict(0.9)
    assert mask_gate(v, _shortcut_model(), _maximisers(), _gate(line={"cnn": -5.0,
                                                                      "dense": -5.0})) == 0.0
    assert v.probability == 0.9 and v.features[MASK_STEPS] == 20.0
    assert MASK_LOGIT not in v.features


@pytest.mark.parametrize("verdict", [_verdict(0.996), _verdict(0.4), _verdict(0.9, excess=False),
                                     _verdict(0.9, data_free=False)])
def test_no_search_where_no_lowering_could_change_the_verdict(verdict) -> None:
    p = verdict.probability
    assert mask_gate(verdict, _shortcut_model(), _maximisers(), _gate()) == 0.0
    assert verdict.probability == p and MASK_STAND not in verdict.features
    assert mask_gate(_verdict(0.9), _shortcut_model(), None, _gate()) == 0.0  # nothing kept
    assert mask_gate(_verdict(0.9), _shortcut_model(), _maximisers(), {}) == 0.0  # no entry


def test_the_note_says_what_the_gate_did() -> None:
    class Kept:
        maximisers = _maximisers()

    v = _verdict(0.9)
    note = gate_read(v, _shortcut_model(), Kept(), _gate(line={"cnn": 50.0, "dense": 50.0}))
    assert "mask gate" in note and "class 0" in note
    # the caller's to show beside the excess term's: no coverage note (stop 76 hrev)
    assert v.coverage_notes == []


@pytest.mark.parametrize("bad", [{"shift": -1.0}, {"refs": 0}, {"line": {"cnn": 0.69}},
                                 {"steps": {"cnn": 300, "dense": 2.5}}])
def test_an_unreadable_entry_is_refused(tmp_path, bad) -> None:
    path = tmp_path / "cal.json"
    entry = {"method": ENTRY, "features": [], "coef": [], "intercept": 0.0,
             "fitted_on": {**FITTED, **bad}}
    path.write_text(json.dumps({ENTRY: entry}))
    with pytest.raises(UserInputError, match="mask-gate"):
        load_calibrators(path)


def test_the_shipped_entry_holds_the_rule_constants(tmp_path) -> None:
    from shipped_calibration import shipped_before_s76_h9m, shipped_before_s81_h16

    # the file as before stop 81 (h16), whose group-heat entry shipped_before_s81_h16 takes
    # away alone (tests/tabular/test_s81_h16_group_heat.py)
    shipped = shipped_before_s81_h16()
    fitted = shipped[ENTRY]["fitted_on"]
    assert {k: fitted[k] for k in FITTED} == FITTED  # benchmarks/mask_gate_s76_h9m_rule.md
    before = shipped_before_s76_h9m()
    assert list(before) == [k for k in shipped if k != ENTRY]
    path = tmp_path / "before.json"
    path.write_text(json.dumps(before))
    v = _verdict(0.9)  # a file without the entry runs no search
    assert mask_gate(v, _shortcut_model(), _maximisers(), load_calibrators(path)) == 0.0
    assert MASK_STAND not in v.features
