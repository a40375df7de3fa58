"""The committed copy of the stop-49 calibration file (``benchmarks/data/calibration_stop49.json``).

Tests that pin a measurement made under the stop-49 file (candidates that differ from it only as
meant, lifts of recorded runs) read this copy, so that shipping another ``calibration.json`` moves
only the tests about the shipped file itself. This one says the copy *is* the shipped file while
it is shipped: when a new file ships, it fails and is rewritten to name the copy as the file before.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from trojanscope.detect.calibration import SHIPPED, load_calibrators

STOP49 = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "calibration_stop49.json"


def test_the_stop49_copy_is_byte_identical_to_the_shipped_file() -> None:
    shipped = resources.files("trojanscope.detect").joinpath(SHIPPED).read_bytes()
    assert STOP49.read_bytes() == shipped


def test_the_stop49_copy_loads() -> None:
    assert "auto" in load_calibrators(STOP49)
