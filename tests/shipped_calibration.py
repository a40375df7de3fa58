"""The shipped calibration file as older candidate files saw it: tests that check a candidate
file is "the shipped file plus or minus X" compare it with the shipped entries that existed when
it was written, so an entry shipped later by another thread does not read as a difference."""

from __future__ import annotations

import json
from pathlib import Path

SHIPPED = Path(__file__).resolve().parents[1] / "src/trojanscope/detect/calibration.json"
# shipped after those candidates were written: issue 16 stop 58 (h16b) made `sure_rows` the
# networks' default with its own entry; issue 9 stop 59 (h9) shipped the two centre terms
LATER = ("tabular-search:network:sure", "auto:centre", "auto:out-of-coverage:centre")


def shipped_without_later() -> dict:
    """The shipped file's entries in file order, without :data:`LATER`'s."""
    return {k: v for k, v in json.loads(SHIPPED.read_text()).items() if k not in LATER}


def shipped_calibrators_before_centre() -> dict:
    """The shipped calibrators, loaded, without the two image centre terms of issue 9 stop 59
    (h9): the table candidate files of stops 56-58 were written before them."""
    from trojanscope.detect.calibration import load_calibrators

    return {k: v for k, v in load_calibrators().items() if not k.endswith(":centre")}
