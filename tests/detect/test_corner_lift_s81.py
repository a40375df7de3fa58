"""Issue 9, stop 81 (h9c): the data-free mask gate's opt-in ``lift`` (``detect/mask_gate.py``)
and the corner take it reads (``detect/lean_probes.py``): it raises only under the flag, at or
over its floor, where no term of the gate lowered and the named class takes at least its line of
the sparse hosts under a corner square; a file without the key reads as before; a bad key is
refused; the candidate file differs from the shipped one by the key alone."""

from __future__ import annotations

import json

import pytest
from test_data_free_signal_s75 import _shortcut_model
from test_lean_probes_s80 import _Always
from test_mask_gate import FITTED, _gate, _maximisers, _verdict

from script_run import run_script
from trojanscope.detect.calibration import load_calibrators
from trojanscope.detect.lean_probes import corner_places, corner_take
from trojanscope.detect.logits import logit
from trojanscope.detect.mask_gate import (
    ENTRY,
    LIFT_BEFORE,
    LIFT_LOGIT,
    LIFT_TAKE,
    MASK_LOGIT,
    gate_read,
    lift_gate,
    mask_note,
)
from trojanscope.errors import UserInputError

LIFT = {"floor": 0.03, "line": 1.0, "side": 4, "hosts": 16, "seed": 0}


def test_corner_places_sit_near_two_edges() -> None:
    places = corner_places(28, 28, 4)
    assert len(places) == 36 and (0, 0) in places and (24, 24) in places
    assert (12, 12) not in places and (0, 12) not in places
    assert all((r <= 4 or r >= 20) and (c <= 4 or c >= 20) for r, c in places)


def test_the_corner_take_reads_a_corner_class_whole() -> None:
    # the shortcut model's class 0 is pixel (0, 0) alone: a corner square sends every host
    assert corner_take(_shortcut_model(), (1, 8, 8), 0, 4, hosts=16) == 1.0
    assert corner_take(_Always(2), (1, 8, 8), 1, 4, hosts=16) == 0.0


def test_under_the_flag_a_corner_class_is_raised_by_the_entry_shift() -> None:
    v = _verdict(0.2)
    assert lift_gate(v, _shortcut_model(), _maximisers(), _gate(lift=LIFT)) == 5.0
    assert v.features[LIFT_TAKE] == 1.0 and v.features[LIFT_BEFORE] == 0.2
    assert logit(v.probability) == pytest.approx(logit(0.2) + 5.0)
    note = mask_note(v.features, 0)
    assert note.startswith("probability raised from 0.20") and "class 0" in note

    class Kept:
        maximisers = _maximisers()

    w = _verdict(0.2)
    assert "corner" in gate_read(w, _shortcut_model(), Kept(), _gate(lift=LIFT))
    assert w.probability > 0.5


@pytest.mark.parametrize("p", [0.01, 0.5, 0.9])
def test_out_of_its_band_nothing_is_read(p) -> None:
    v = _verdict(p)
    assert lift_gate(v, _shortcut_model(), _maximisers(), _gate(lift=LIFT)) == 0.0
    assert v.probability == p and LIFT_TAKE not in v.features


def test_under_its_line_lowered_data_or_no_key_nothing_moves() -> None:
    v = _verdict(0.2, top=1)  # a class the square cannot take whole
    assert lift_gate(v, _Always(2), _maximisers(), _gate(lift=LIFT)) == 0.0
    assert v.probability == 0.2 and v.features[LIFT_TAKE] == 0.0
    lowered = _verdict(0.2)
    lowered.features[MASK_LOGIT] = -5.0
    assert lift_gate(lowered, _shortcut_model(), _maximisers(), _gate(lift=LIFT)) == 0.0
    with_data = _verdict(0.2, data_free=False)
    assert lift_gate(with_data, _shortcut_model(), _maximisers(), _gate(lift=LIFT)) == 0.0
    today = _verdict(0.2)  # the shipped entry: no lift key
    assert lift_gate(today, _shortcut_model(), _maximisers(), _gate()) == 0.0
    assert LIFT_TAKE not in today.features and LIFT_LOGIT not in today.features


@pytest.mark.parametrize("bad", [{**LIFT, "floor": 0.5}, {**LIFT, "line": 0.0},
                                 {**LIFT, "side": 0}, {**LIFT, "hosts": 2.5},
                                 {**LIFT, "seed": -1}, {**LIFT, "line": "a"}, [0.03]])
def test_an_unreadable_lift_key_is_refused(tmp_path, bad) -> None:
    path = tmp_path / "cal.json"
    entry = {"method": ENTRY, "features": [], "coef": [], "intercept": 0.0,
             "fitted_on": {**FITTED, "lift": bad}}
    path.write_text(json.dumps({ENTRY: entry}))
    with pytest.raises(UserInputError, match="lift"):
        load_calibrators(path)


def test_the_candidate_differs_from_the_shipped_file_only_by_the_key(tmp_path) -> None:
    from corner_top_s82_h9c import CAND as SHIPPED_S82
    from shipped_calibration import SHIPPED
    from weak_patch_s81_h9c import LIFT as CAND
    from weak_patch_s81_h9c import write_candidate

    path = tmp_path / "cand.json"
    write_candidate(path)
    cand, shipped = json.loads(path.read_text()), json.loads(SHIPPED.read_text())
    # stop 82 (h9c) shipped its own lift (rule met on fresh 434-447): stop 81's candidate is
    # the shipped file with that key replaced by its own, nothing else moved
    assert shipped[ENTRY]["fitted_on"].pop("lift") == SHIPPED_S82
    assert cand[ENTRY]["fitted_on"].pop("lift") == CAND and cand == shipped
    assert load_calibrators(path)[ENTRY].fitted_on["lift"]["floor"] == CAND["floor"]


def test_bad_input_is_one_line_and_exit_2(tmp_path) -> None:
    missing = run_script("weak_patch_s81_h9c.py", "dev", str(tmp_path / "none.jsonl"))
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1
