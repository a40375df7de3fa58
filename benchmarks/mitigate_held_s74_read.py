"""Issue 12, stop 74 (h12; development, spent seeds only): ``gated:mixed_held=R`` read so that
any keep-or-undo rule can be judged from one run per model.

Runs ``benchmarks/mitigate_acc_s72_read.py`` (same arguments; give ``-p mixed_held=R``) with
:func:`~trojanscope.mitigate.mixed_held.keep_fit` answering "keep" every time (``--as-is``:
the rule as shipped). So each row's points hold the model before ``mixed_last`` (what an undo
hands back; the steps after it run only where it fitted) and after it, both scored on the 800
held-out images, and the note's ``mixed_last`` -> ``held`` holds the share's readings before and
after the fit. :func:`simulate` in ``mitigate_held_s74_sim.py`` reads the rows. Decides nothing.

    PYTHONPATH=src:benchmarks python benchmarks/mitigate_held_s74_read.py OUT.jsonl ZOO:N \\
        -p mixed_held=0.25 [--only NAME,...] [--as-is]
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

from trojanscope.mitigate import mixed_held


def main() -> None:
    argv = sys.argv[1:]
    if "--as-is" in argv:
        argv.remove("--as-is")
    else:
        mixed_held.keep_fit = lambda before, after: True  # both ways scored (development)
    reader = Path(__file__).resolve().parent / "mitigate_acc_s72_read.py"
    sys.argv = [str(reader), *argv]
    runpy.run_path(str(reader), run_name="__main__")


if __name__ == "__main__":
    main()
