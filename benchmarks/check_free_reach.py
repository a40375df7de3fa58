"""`gated` without ``free_reach``'s step and `gated:free_reach=R,reach_round2=0` on every model
of a zoo from one run of the stages (issue 12, stop 51: h12a): ``free_reach`` is the last step
and nothing before it reads the option, so the model just before its unlearning is the stages'
output (where the reading stays under the bar the two are the same model). Both rows in
``bench_mitigate.py``'s format (for ``ship_rule_mitigate.py``; the first keeps the key
``gated``, today's default when the script was written), with the step's note per model; the
first row's time is the run's less the step's seconds (reading and unlearning).

``reach_round2`` (a second round after the step, on by default since stop 54) is pinned off, so
the two rows differ by the one step named (hfc, stop 55: the default's second round ran inside
the candidate's row, so it compared two steps); ``check_reach_round2.py`` measures the second
round.

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
    Gated(free_reach=bar, reach_round2=False)  # a bad bar refused here, before any model is read
    fu.universal_reach, fu.unlearn_free = step_spy(_reach, SEEN, 0), spy_unlearn
    try:
        rows_from_one_run(args.zoo, args.out, lambda: Gated(free_reach=bar, reach_round2=False),
                          f"gated:free_reach={bar:g},reach_round2=0", "free_reach", "free", SEEN)
    finally:
        fu.universal_reach, fu.unlearn_free = _reach, _unlearn


if __name__ == "__main__":
    run_main(main)
