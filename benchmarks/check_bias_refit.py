"""`gated:free_reach=0` (the stages alone) and `gated:bias_refit=1` on every model of a zoo
from one run of the stages (issue 12, stop 50: h12m): the model just before the refit is the
stages' output (the refit is the last thing `bias_refit` does, and nothing before it reads the
option), so both rows come from one run, in ``bench_mitigate.py``'s format (for
``ship_rule_mitigate.py``), with the refit's note per model. The first row's time is the run's
less the refit's seconds.

The first row keeps the key ``gated`` (today's default when the script was written) but is
**not** today's default: ``bias_refit`` is not combined with ``free_reach``'s step (the default
since stop 51) or ``reach_round2`` (since stop 54), so with it both are off, and the first row
is the stages without them (hfc, stop 56). Today's default comes from ``bench_mitigate.py``.

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/check_bias_refit.py ZOO OUT.json [KEEP]

``KEEP``: a folder where today's output of every refitted model is saved (its state dict, the
suspect and the detector's reversed trigger for it), for
``benchmarks/data/mitigate_s50m/diag_caps.py``. Importing it runs nothing; a bad argument (no
zoo, an output in a missing folder) ends in one ``error:`` line and exit 2 before any model is
read.
"""

from pathlib import Path

import torch

import trojanscope.mitigate.bias_refit as br
from _common import last_step_args, run_main
from last_step_rows import rows_from_one_run, step_spy
from trojanscope.mitigate.gated import Gated

SEEN: dict = {}
KEEP: list[Path] = []  # main's KEEP folder, when given
ZOO: list[Path] = []  # main's ZOO, naming the kept files
_refit = br.refit_bias


def save_today(entry, method: Gated) -> None:
    """``KEEP``: today's output of a refitted model, read offline (``diag_caps.py``)."""
    keep = KEEP[0]
    keep.mkdir(parents=True, exist_ok=True)
    suspect = method.report_.get("suspect")
    found = getattr(method, "verdict_", None)
    trigger = found.triggers.get(suspect) if found is not None else None
    torch.save({"state": SEEN["before"].state_dict(), "suspect": suspect,
                "mask": None if trigger is None else trigger.mask,
                "pattern": None if trigger is None else trigger.pattern},
               keep / f"{ZOO[0].name}-{entry.name}.pt")


def main(argv: list[str] | None = None) -> None:
    """Both rows for every model of ZOO, written to OUT.json after each model."""
    args = last_step_args(__doc__, "KEEP", Path, None, argv)
    ZOO[:], KEEP[:] = [args.zoo], [args.value] if args.value is not None else []
    br.refit_bias = step_spy(_refit, SEEN, 0)
    try:
        rows_from_one_run(args.zoo, args.out, lambda: Gated(bias_refit=True),
                          "gated:bias_refit=1", "bias_refit", "refit", SEEN,
                          keep=save_today if KEEP else None)
    finally:
        br.refit_bias = _refit


if __name__ == "__main__":
    run_main(main)
