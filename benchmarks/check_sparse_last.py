"""Today's `gated` and `gated:sparse_last=1` on every model of a zoo from one run of the stages
(issue 12, stop 58: h12): ``sparse_last``'s step runs last (after ``free_reach``'s step and the
other after-steps) and nothing before it reads the option, so the model it starts from is
today's output (where it never runs, the two rows are the one result). Both rows in
``bench_mitigate.py``'s format (for ``ship_rule_mitigate.py``), with the step's note per model;
today's time is the run's less the step's seconds.

    PYTHONPATH=src:benchmarks python benchmarks/check_sparse_last.py ZOO OUT.json [ON]

Importing it runs nothing; a bad argument (no zoo, no output folder, ON not above 0) ends in
one ``error:`` line and exit 2 before any model is read.
"""

import trojanscope.mitigate.sparse_last as sl
from _common import run_main
from last_step_rows import check_last_step

SEEN: dict = {}


def main(argv: list[str] | None = None) -> None:
    """Both rows for every model of ZOO, written to OUT.json after each model."""
    check_last_step(__doc__, argv, sl, "sparse_step", "sparse_last", "ON", int, 1, "sparse_last",
                    SEEN, flag=True)


if __name__ == "__main__":
    run_main(main)
