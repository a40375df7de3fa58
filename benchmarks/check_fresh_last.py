"""Today's `gated` and `gated:fresh_last=B` on every model of a zoo from one run of the stages
(issue 12, stop 63: h12): ``fresh_last``'s step runs last (after every other after-step) and
nothing before it reads the option, so the model it starts from is today's output (where it
never runs or its reading is under the bar, the two rows are the one result). Both rows in
``bench_mitigate.py``'s format (for ``ship_rule_mitigate.py``), each with the run's wall and CPU
seconds, with the step's note per model; today's times are the run's less the step's.

    PYTHONPATH=src:benchmarks python benchmarks/check_fresh_last.py ZOO OUT.json [BAR]

Importing it runs nothing; a bad argument (no zoo, no output folder, BAR not a share above 0 and at
most 1) ends in one ``error:`` line and exit 2 before any model is read.
"""

import trojanscope.mitigate.fresh_last as fr
from _common import run_main
from last_step_rows import check_last_step

SEEN: dict = {}


def main(argv: list[str] | None = None) -> None:
    """Both rows for every model of ZOO, written to OUT.json after each model."""
    check_last_step(__doc__, argv, fr, "fresh_step", "fresh_last", "BAR", float, 0.05,
                    "fresh_last", SEEN)


if __name__ == "__main__":
    run_main(main)
