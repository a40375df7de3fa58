"""Today's `gated` and `gated:refit_last=E` on every model of a zoo from one run of the stages
(issue 12, stop 60: h12): ``refit_last``'s step runs last (after ``free_reach``'s step and the
other after-steps) and nothing before it reads the option, so the model it starts from is
today's output (where it never runs or its guard refuses the refit, the two rows are the one
result). Both rows in ``bench_mitigate.py``'s format (for ``ship_rule_mitigate.py``), with the
step's note per model; today's time is the run's less the step's seconds.

    PYTHONPATH=src:benchmarks python benchmarks/check_refit_last.py ZOO OUT.json [EPOCHS]

Importing it runs nothing; a bad argument (no zoo, no output folder, EPOCHS not a whole number
from 1 to 20) ends in one ``error:`` line and exit 2 before any model is read.
"""

import trojanscope.mitigate.refit_last as rl
from _common import run_main
from last_step_rows import check_last_step

SEEN: dict = {}


def main(argv: list[str] | None = None) -> None:
    """Both rows for every model of ZOO, written to OUT.json after each model."""
    check_last_step(__doc__, argv, rl, "refit_step", "refit_last", "EPOCHS", int, 5,
                    "refit_last", SEEN)


if __name__ == "__main__":
    run_main(main)
