"""Today's `gated` and `gated:blend_rise=1` on every model of a zoo from one run of the stages
(issue 12, stop 69: h12). ``blend_rise`` changes only ``blend_last``'s gate, and that step runs
last: the run is made with the candidate, and where the step is reached it runs twice on the
same input, first with today's gate (0.15 / 0.97) on a copy (today's output), then with the
candidate's (0.12 / 0.84) on the model itself; where the two gates agree the two rows are the
same fit to the image. Both rows in ``bench_mitigate.py``'s format (for
``ship_rule_mitigate.py``), each with the run's wall and CPU seconds (today's: the run's less
the candidate's step; the candidate's: the run's less today's step), with the candidate's note
per model and today's note under its ``today`` key.

    PYTHONPATH=src:benchmarks python benchmarks/mitigate_gate_s69_check.py ZOO OUT.json

Importing it runs nothing; a bad argument (no zoo, no output folder) ends in one ``error:``
line and exit 2 before any model is read.
"""

from collections.abc import Callable

import trojanscope.mitigate.blend_last as bl
from _common import last_step_args, run_main
from last_step_rows import both_settings, rows_from_one_run
from trojanscope.mitigate.gated import Gated

SEEN: dict = {}


def both_gates(step: Callable, seen: dict) -> Callable:
    """``blend_step`` run with today's gate (``blend_rise`` False) on a copy, then with the
    method's own (:func:`last_step_rows.both_settings`, folded there at stop 70)."""
    return both_settings(step, seen, "blend_rise", False, "blend_last")


def main(argv: list[str] | None = None) -> None:
    """Both rows for every model of ZOO, written to OUT.json after each model."""
    args = last_step_args(__doc__, "UNUSED", int, 1, argv)
    step = bl.blend_step
    bl.blend_step = both_gates(step, SEEN)
    try:
        rows_from_one_run(args.zoo, args.out, lambda: Gated(blend_rise=True),
                          "gated:blend_rise=1", "blend_last", "blend_rise", SEEN)
    finally:
        bl.blend_step = step


if __name__ == "__main__":
    run_main(main)
