"""Today's `gated` and `gated:reach_round2=1` on every model of a zoo from one run of the stages
(issue 12, stop 54: h12): ``reach_round2`` runs last (after ``free_reach``'s step) and nothing
before it reads the option, so the model it starts from is today's output (where it reads the
suspect as the least reachable class, or never runs, the two rows are the one result). Both rows
in ``bench_mitigate.py``'s format (for ``ship_rule_mitigate.py``), with the round's note per
model; today's time is the run's less the round's seconds (the reading and the unlearning).

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/check_reach_round2.py ZOO OUT.json

Importing it runs nothing; a bad argument (no zoo, no output folder) ends in one ``error:`` line
and exit 2 before any model is read.
"""

import trojanscope.mitigate.reach_round as rr
from _common import run_main
from last_step_rows import check_last_step

SEEN: dict = {}


def main(argv: list[str] | None = None) -> None:
    """Both rows for every model of ZOO, written to OUT.json after each model."""
    check_last_step(__doc__, argv, rr, "round_two", "reach_round2", "ON", int, 1, "round2", SEEN,
                    flag=True)


if __name__ == "__main__":
    run_main(main)
