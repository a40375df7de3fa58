"""Today's `gated` and `gated:blend_last=E` on every model of a zoo from one run of the stages
(issue 12, stop 68: h12): ``blend_last``'s step runs last (after every other after-step) and
nothing before it reads the option, so the model it starts from is today's output (where it
never runs or its gate refuses the fit, the two rows are the one result). Both rows in
``bench_mitigate.py``'s format (for ``ship_rule_mitigate.py``), each with the run's wall and CPU
seconds, with the step's note per model; today's times are the run's less the step's.

    PYTHONPATH=src:benchmarks python benchmarks/check_blend_last.py ZOO OUT.json [EPOCHS]

Importing it runs nothing; a bad argument (no zoo, no output folder, EPOCHS not a whole number
above 0) ends in one ``error:`` line and exit 2 before any model is read.
"""

import trojanscope.mitigate.blend_last as bl
from _common import run_main
from last_step_rows import check_last_step

SEEN: dict = {}


def main(argv: list[str] | None = None) -> None:
    """Both rows for every model of ZOO, written to OUT.json after each model."""
    check_last_step(__doc__, argv, bl, "blend_step", "blend_last", "EPOCHS", int, 10,
                    "blend_last", SEEN)


if __name__ == "__main__":
    run_main(main)
