"""Today's `gated` and `gated:residue_last=B` on every model of a zoo from one run of the stages
(issue 12, stop 59: h12): ``residue_last``'s step runs last (after ``free_reach``'s step and the
other after-steps) and nothing before it reads the option, so the model it starts from is
today's output (where it never runs or reads under the bar, the two rows are the one result).
Both rows in ``bench_mitigate.py``'s format (for ``ship_rule_mitigate.py``), with the step's note
per model; today's time is the run's less the step's seconds.

    PYTHONPATH=src:benchmarks python benchmarks/check_residue_last.py ZOO OUT.json [BAR]

Importing it runs nothing; a bad argument (no zoo, no output folder, BAR not above 0 or above
10) ends in one ``error:`` line and exit 2 before any model is read.
"""

import sys

import trojanscope.mitigate.residue_last as rl
from _common import last_step_args, run_main
from last_step_rows import spied_rows
from trojanscope.mitigate.gated import Gated

SEEN: dict = {}


def main(argv: list[str] | None = None) -> None:
    """Both rows for every model of ZOO, written to OUT.json after each model."""
    args = last_step_args(__doc__, "BAR", float, 0.1, argv)
    try:  # a bad value refused here, before any model is read
        Gated(residue_last=args.value)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    spied_rows(rl, "residue_step", SEEN, args.zoo, args.out,
               lambda: Gated(residue_last=args.value), f"gated:residue_last={args.value:g}",
               "residue_last", "residue_last")


if __name__ == "__main__":
    run_main(main)
