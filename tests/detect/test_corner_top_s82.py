"""Issue 9, stop 82 (h9c): the data-free mask gate's ``lift`` read over MM-BD's top classes
(``detect/mask_gate.py``'s ``top``, ``need``, ``count``, ``lit``) and the inner places it reads
against (``detect/lean_probes.py``): a class a corner square takes whole is raised and leads the
ranking; with ``need: corner`` a class that takes a white square anywhere is not; without the
new keys the lift reads as stop 81's; bad keys are refused."""

from __future__ import annotations

import json

import pytest
import torch
from test_corner_lift_s81 import LIFT
from test_data_free_signal_s75 import _shortcut_model
from test_mask_gate import FITTED, _gate, _verdict

from script_run import run_script
from trojanscope.detect.calibration import load_calibrators
from trojanscope.detect.lean_probes import corner_places, corner_readings, inner_places
from trojanscope.detect.logits import logit
from trojanscope.detect.mask_gate import (
    ENTRY,
    LIFT_CLASS,
    LIFT_LOGIT,
    LIFT_TAKE,
    lift_gate,
    mask_note,
)
from trojanscope.errors import UserInputError


class _Corner(torch.nn.Module):
    """Four classes on 28x28 images: class 0 where a 4x4 block within the top-left 8x8 is lit
    whole (9 corner places), class 3 where any 4x4 block is (a white square anywhere), else
    class 2."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.zeros(len(x), 4)
        out[:, 2] = 1.0
        corner = torch.nn.functional.avg_pool2d(x[:, :1, :8, :8], 4, 1).amax((1, 2, 3))
        out[:, 0] = 4.0 * (corner > 0.99).float()
        block = torch.nn.functional.avg_pool2d(x[:, :1], 4, 1).amax((1, 2, 3))
        out[:, 3] = 2.0 * (block > 0.99).float()
        return out


def _kept(side: int = 28) -> tuple[torch.Tensor, torch.Tensor]:
    return torch.zeros(12, 1, side, side), torch.zeros(12)


def test_inner_places_sit_away_from_every_edge() -> None:
    inner = inner_places(28, 28, 4)
    assert len(inner) == 49 and (12, 12) in inner and (6, 6) in inner and (18, 18) in inner
    assert not set(inner) & set(corner_places(28, 28, 4))
    assert inner_places(8, 8, 4) == []


def test_the_readings_part_a_corner_class_from_one_taking_any_square() -> None:
    got = corner_readings(_Corner(), (1, 28, 28), 4, hosts=16, inner=True)
    assert got[0]["corner"] == 1.0 and got[0]["corner_full"] >= 1 and got[0]["inner"] == 0.0
    assert got[3]["corner"] == 1.0 and got[3]["inner"] == 1.0 and got[3]["inner_full"] == 49
    flat = corner_readings(_shortcut_model(), (1, 8, 8), 4, hosts=16, inner=True)
    assert flat[0]["corner"] == 1.0 and flat[0]["inner"] == 0.0 and flat[0]["inner_full"] == 0


def test_a_top_class_the_corner_takes_is_raised_and_leads() -> None:
    top2 = {**LIFT, "floor": 0.0, "top": 2}
    v = _verdict(0.1, top=1)
    v.target_classes = [1, 0, 2, 3]  # class 1 takes no host, class 0 is second
    assert lift_gate(v, _Corner(), _kept(), _gate(lift=top2)) == 5.0
    assert v.target_classes == [0, 1, 2, 3] and v.features[LIFT_CLASS] == 0.0
    assert logit(v.probability) == pytest.approx(logit(0.1) + 5.0)
    assert v.features[LIFT_TAKE] == 0.0  # the named class's own take, as stop 81 records it
    assert "class 0" in mask_note(v.features, 0)
    one = _verdict(0.1, top=1)
    one.target_classes = [1, 0, 2, 3]
    assert lift_gate(one, _Corner(), _kept(), _gate(lift={**top2, "top": 1})) == 0.0
    assert one.target_classes == [1, 0, 2, 3] and LIFT_CLASS not in one.features


def test_need_corner_passes_a_class_that_takes_a_square_anywhere() -> None:
    anywhere = {**LIFT, "floor": 0.0, "top": 2}
    v = _verdict(0.1, top=3)
    v.target_classes = [3, 1, 0, 2]
    assert lift_gate(v, _Corner(), _kept(), _gate(lift=anywhere)) == 5.0  # stop 81's reading
    w = _verdict(0.1, top=3)
    w.target_classes = [3, 0, 1, 2]
    assert lift_gate(w, _Corner(), _kept(), _gate(lift={**anywhere, "need": "corner"})) == 5.0
    assert w.target_classes[0] == 0  # class 3 passed over, class 0 raised
    x = _verdict(0.1, top=3)
    x.target_classes = [3, 1, 0, 2]
    assert lift_gate(x, _Corner(), _kept(), _gate(lift={**anywhere, "need": "corner"})) == 0.0
    assert x.target_classes == [3, 1, 0, 2] and LIFT_LOGIT not in x.features


def test_count_asks_for_that_many_corner_places_sending_every_host() -> None:
    base = {**LIFT, "floor": 0.0, "need": "corner"}
    full = corner_readings(_Corner(), (1, 28, 28), 4, hosts=16)[0]["corner_full"]
    v = _verdict(0.1, top=0)
    assert lift_gate(v, _Corner(), _kept(), _gate(lift={**base, "count": full})) == 5.0
    w = _verdict(0.1, top=0)
    assert lift_gate(w, _Corner(), _kept(), _gate(lift={**base, "count": full + 1})) == 0.0


@pytest.mark.parametrize("bad", [{"top": 0}, {"top": 1.5}, {"count": -1}, {"lit": 0.0},
                                 {"lit": 1.0}, {"lit": "a"}, {"need": "inner"}])
def test_an_unreadable_new_lift_key_is_refused(tmp_path, bad) -> None:
    path = tmp_path / "cal.json"
    entry = {"method": ENTRY, "features": [], "coef": [], "intercept": 0.0,
             "fitted_on": {**FITTED, "lift": {**LIFT, **bad}}}
    path.write_text(json.dumps({ENTRY: entry}))
    with pytest.raises(UserInputError, match="lift"):
        load_calibrators(path)


def test_the_shipped_gate_holds_the_rule_s_lift_and_raises_a_second_corner_class(tmp_path
                                                                               ) -> None:
    # stop 82's rule met on fresh 434-447: the shipped entry is the candidate file's
    from corner_top_s82_h9c import CAND, write_candidate
    from shipped_calibration import SHIPPED
    from trojanscope.detect.mask_gate import gate_read

    path = tmp_path / "cand.json"
    write_candidate(path)
    assert path.read_text() == SHIPPED.read_text()
    shipped = load_calibrators()
    assert shipped[ENTRY].fitted_on["lift"] == CAND

    class Kept:
        maximisers = _kept()

    v = _verdict(0.1, top=1)
    v.target_classes = [1, 0, 2, 3]
    assert "class 0" in gate_read(v, _Corner(), Kept(), shipped)
    assert v.target_classes[0] == 0 and v.probability > 0.5
    w = _verdict(0.1, top=3)  # a class taking a white square anywhere: not raised
    w.target_classes = [3, 1, 0, 2]
    assert gate_read(w, _Corner(), Kept(), shipped) is None and w.probability == 0.1


def test_bad_input_is_one_line_and_exit_2(tmp_path) -> None:
    missing = run_script("corner_top_s82_h9c.py", "dev", str(tmp_path / "none.jsonl"))
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1
