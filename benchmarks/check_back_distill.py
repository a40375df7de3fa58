"""Today's `gated` and `gated:back_distill=E` on every model of a zoo from one run of the stages
(issue 12, stop 53: h12): ``back_distill`` is the last step (after ``free_reach``'s) and nothing
before it reads the option, so the model it starts from is today's output (where it does not
run, or refuses, the two are the same model). ``free_reach``'s step and ``reach_round2``
(the default's since stops 51 and 54) run before it as in today's default, so the first row is
still today's (checked at stop 56). Both rows in ``bench_mitigate.py``'s format (for
``ship_rule_mitigate.py``), with the step's note per model; today's time is the run's less the
step's seconds (the readings and the fit).

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/check_back_distill.py ZOO OUT.json [E]

Importing it runs nothing; a bad argument (no zoo, an epoch count under 1) ends in one
``error:`` line and exit 2 before any model is read.
"""

import trojanscope.mitigate.back_distill as bd
from _common import last_step_args, run_main
from last_step_rows import rows_from_one_run, step_spy
from trojanscope.mitigate.gated import Gated

SEEN: dict = {}
_step = bd.back_step


def main(argv: list[str] | None = None) -> None:
    """Both rows for every model of ZOO, written to OUT.json after each model."""
    args = last_step_args(__doc__, "E", int, 1, argv)
    epochs = args.value
    Gated(back_distill=epochs)  # a bad count refused here, before any model is read
    bd.back_step = step_spy(_step, SEEN)
    try:
        rows_from_one_run(args.zoo, args.out, lambda: Gated(back_distill=epochs),
                          f"gated:back_distill={epochs}", "back_distill", "back", SEEN)
    finally:
        bd.back_step = _step


if __name__ == "__main__":
    run_main(main)
