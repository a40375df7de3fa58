"""Today's `gated` and `gated:first_read=R` on every model of a zoo from one run of the stages
(issue 12, stop 55: h12): ``first_read``'s step runs last (after ``free_reach``'s step and
``reach_round2``) and nothing before it reads the option but the projected hand-back, which
only keeps a copy of the first stage's model aside, so the model the step starts from is
today's output (where it keeps that, or never runs, the two rows are the one result). Both rows
in ``bench_mitigate.py``'s format (for ``ship_rule_mitigate.py``), with the step's note per
model; today's time is the run's less the step's seconds (its readings).

    PYTHONPATH=src:benchmarks python benchmarks/check_first_read.py ZOO OUT.json [R]

Importing it runs nothing; a bad argument (no zoo, no output folder, R not in (0, 1]) ends in one
``error:`` line and exit 2 before any model is read.
"""

import trojanscope.mitigate.first_read as fr
from _common import run_main
from last_step_rows import check_last_step

SEEN: dict = {}


def main(argv: list[str] | None = None) -> None:
    """Both rows for every model of ZOO, written to OUT.json after each model."""
    check_last_step(__doc__, argv, fr, "first_back", "first_read", "R", float, 0.03, "first_read",
                    SEEN)


if __name__ == "__main__":
    run_main(main)
