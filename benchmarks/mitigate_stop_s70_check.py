"""Today's `gated` and `gated:blend_stop=B` on every model of a zoo from one run of the stages
(issue 12, stop 70: h12). ``blend_stop`` changes only ``blend_last``, the last step: where the
step is reached it runs twice on the same input, first with ``blend_stop=0`` (today's) on a copy
(today's output), then with the bar B on the model itself; where the stop does not fire the two
rows are the same fit to the image. Both rows in ``bench_mitigate.py``'s format (for
``ship_rule_mitigate.py``), each with the run's wall and CPU seconds (each row leaves the other's
step out: ``last_step_rows.both_settings``), the candidate's note per model and today's note
under its ``today`` key.

    PYTHONPATH=src:benchmarks python benchmarks/mitigate_stop_s70_check.py ZOO OUT.json [B]

Importing it runs nothing; a bad argument (no zoo, no output folder, a bar outside (0, 1]) ends
in one ``error:`` line and exit 2 before any model is read.
"""

import sys

import trojanscope.mitigate.blend_last as bl
from _common import last_step_args, run_main
from last_step_rows import both_settings, rows_from_one_run
from trojanscope.mitigate.gated import Gated

SEEN: dict = {}


def main(argv: list[str] | None = None) -> None:
    """Both rows for every model of ZOO, written to OUT.json after each model."""
    args = last_step_args(__doc__, "B", float, bl.STOP_BAR, argv)
    try:  # a bad bar refused here, before any model is read
        Gated(blend_stop=args.value)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    step = bl.blend_step
    bl.blend_step = both_settings(step, SEEN, "blend_stop", 0.0, "blend_last")
    try:
        rows_from_one_run(args.zoo, args.out, lambda: Gated(blend_stop=args.value),
                          f"gated:blend_stop={args.value:g}", "blend_last", "blend_stop", SEEN)
    finally:
        bl.blend_step = step


if __name__ == "__main__":
    run_main(main)
