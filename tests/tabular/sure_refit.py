"""The ``network:sure`` entry refitted the way ``tabular_s58_h16*/dev.sh.txt`` fits it: the
readings a committed listing names, ``tabular_net_refit.py``'s stop-56 design. Shared by the
stop-58 tests that check a candidate file holds that refit (h16's NT, h16b's N)."""

from __future__ import annotations

import sys
from pathlib import Path

from trojanscope.detect.calibration import Calibrator, load_calibrators

ROOT = Path(__file__).resolve().parents[2]
SURE = "tabular-search:network:sure"
DESIGN = "excess + gap + flip_2 + sure|none|10"


def refit_sure(listing: Path, out: Path) -> tuple[list[dict], Calibrator]:
    """The whole-split rows of the readings ``listing`` names and the entry refitted on them
    (written to ``out``)."""
    if str(ROOT / "benchmarks") not in sys.path:
        sys.path.insert(0, str(ROOT / "benchmarks"))
    import tabular_net_refit as refit

    rows = refit.load([str(ROOT / f) for f in listing.read_text().split()], "whole")
    refit.write(rows, "whole", DESIGN, out, key=SURE)
    return rows, load_calibrators(out)[SURE]
