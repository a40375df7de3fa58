"""The committed copy of the stop-49 calibration file (``benchmarks/data/calibration_stop49.json``).

Tests that pin a measurement made under the stop-49 file (candidates that differ from it only as
meant, lifts of recorded runs) read this copy, so that shipping another ``calibration.json`` moves
only the tests about the shipped file itself. The copy was the shipped file until issue 9's stop
51, which shipped ``benchmarks/data/foreign_s51/cal_R13P.json`` by the rule of
``foreign_s51/plan.md``; stop 53 (h9B) shipped ``foreign_s53b/cal_N.json`` (R13P with a naming
floor on the raise terms) by the rule of ``foreign_s53b/plan.md``. The copies keep the earlier
defaults reachable (``--calibration benchmarks/data/calibration_stop49.json``, ``--calibration
benchmarks/data/foreign_s51/cal_R13P.json``).
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path

from shipped_calibration import shipped_without_later
from trojanscope.detect.calibration import SHIPPED, load_calibrators

DATA = Path(__file__).resolve().parents[2] / "benchmarks" / "data"
STOP49 = DATA / "calibration_stop49.json"
STOP51 = DATA / "foreign_s51" / "cal_R13P.json"
STOP53 = DATA / "foreign_s53b" / "cal_N.json"
STOP55 = DATA / "foreign_s54a" / "cal_V.json"
# sha256 of src/trojanscope/detect/calibration.json as shipped from stop 49 to stop 50 (fdb27c73)
STOP49_SHA256 = "a97a9e874484375f43f9ef8c0fcd14a0c93157de015333c0d2ac43810cd99784"


def _shipped() -> bytes:
    return resources.files("trojanscope.detect").joinpath(SHIPPED).read_bytes()


def test_the_stop49_copy_is_the_file_shipped_before_stop51() -> None:
    copy = STOP49.read_bytes()
    assert hashlib.sha256(copy).hexdigest() == STOP49_SHA256
    assert copy != _shipped()


def test_the_shipped_file_is_stop55s_v_plus_excess_and_n_and_r13p_stay_reachable() -> None:
    # stop 55: h9B shipped V (stop 54 h9A's cal_V.json) by the rule of foreign_s55b/plan.md,
    # h9A added the two lower-only excess terms by the rule of foreign_s55a/plan.md
    shipped = {k: v for k, v in shipped_without_later().items() if not k.endswith(":excess")}
    assert shipped == json.loads(STOP55.read_bytes()) != json.loads(STOP53.read_bytes())
    assert {k for k in json.loads(_shipped()) if k.endswith(":excess")}
    assert "auto:raise:frame" in load_calibrators(STOP53)
    assert STOP51.read_bytes() != _shipped() and "auto:raise:frame" in load_calibrators(STOP51)


def test_the_stop49_copy_loads() -> None:
    assert "auto" in load_calibrators(STOP49)
