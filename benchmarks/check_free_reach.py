"""Today's `gated` and `gated:free_reach=R` on every model of a zoo from one run of the stages
(issue 12, stop 51: h12a): ``free_reach`` is the last step and nothing before it reads the
option, so the model just before its unlearning is today's output (where the reading stays
under the bar the two are the same model). Both rows in ``bench_mitigate.py``'s format (for
``ship_rule_mitigate.py``), with the step's note per model; today's time is the run's less the
step's seconds (reading and unlearning).

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/check_free_reach.py ZOO OUT.json [R]

Importing it runs nothing; a bad argument (no zoo, a bar out of range) ends in one ``error:``
line and exit 2 before any model is read.
"""

import time

import trojanscope.mitigate.free_unlearn as fu
from _common import last_step_args, run_main
from last_step_rows import rows_from_one_run, step_spy
from trojanscope.mitigate.gated import Gated

SEEN: dict = {}
_reach, _unlearn = fu.universal_reach, fu.unlearn_free


def spy_unlearn(model, *args, **kwargs):
    """The unlearning's seconds, added to the step's."""
    start = time.perf_counter()
    _unlearn(model, *args, **kwargs)
    SEEN["seconds"] = SEEN.get("seconds", 0.0) + time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    """Both rows for every model of ZOO, written to OUT.json after each model."""
    args = last_step_args(__doc__, "R", float, 0.18, argv)
    bar = args.value
    Gated(free_reach=bar)  # a bad bar refused here, before any model is read
    fu.universal_reach, fu.unlearn_free = step_spy(_reach, SEEN, 0), spy_unlearn
    try:
        rows_from_one_run(args.zoo, args.out, lambda: Gated(free_reach=bar),
                          f"gated:free_reach={bar:g}", "free_reach", "free", SEEN)
    finally:
        fu.universal_reach, fu.unlearn_free = _reach, _unlearn


if __name__ == "__main__":
    run_main(main)
