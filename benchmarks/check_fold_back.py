"""Today's `gated` and `gated:fold_back=E` on every model of a zoo from one run of the stages
(issue 12, stop 57: h12): ``fold_back``'s step runs last (after ``free_reach``'s step and the
other after-steps) and nothing before it reads the option, so the model the step starts from is
today's output (where it keeps that, or never runs, the two rows are the one result). Both rows
in ``bench_mitigate.py``'s format (for ``ship_rule_mitigate.py``), with the step's note per
model; today's time is the run's less the step's seconds (its cross-fitted reading and fit).

    PYTHONPATH=src:benchmarks python benchmarks/check_fold_back.py ZOO OUT.json [E]

Importing it runs nothing; a bad argument (no zoo, no output folder, E not above 0) ends in one
``error:`` line and exit 2 before any model is read.
"""

import trojanscope.mitigate.fold_back as fb
from _common import run_main
from last_step_rows import check_last_step

SEEN: dict = {}


def main(argv: list[str] | None = None) -> None:
    """Both rows for every model of ZOO, written to OUT.json after each model."""
    check_last_step(__doc__, argv, fb, "fold_step", "fold_back", "E", int, 1, "fold_back", SEEN)


if __name__ == "__main__":
    run_main(main)
