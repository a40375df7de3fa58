"""Today's `gated` and `gated:bias_refit=1` on every model of a zoo from one run of the
stages (issue 12, stop 50: h12m): the model just before the refit is today's output (the refit
is the last thing `bias_refit` does, and nothing before it reads the option), so both rows come
from one run, in ``bench_mitigate.py``'s format (for ``ship_rule_mitigate.py``), with the
refit's note per model. Today's row's time is the run's less the refit's seconds.

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/check_bias_refit.py ZOO OUT.json [KEEP]

``KEEP``: a folder where today's output of every refitted model is saved (its state dict, the
suspect and the detector's reversed trigger for it), for
``benchmarks/data/mitigate_s50m/diag_caps.py``.
"""

import copy
import sys
import time
from pathlib import Path

import torch

import trojanscope.mitigate.bias_refit as br
from last_step_rows import rows_from_one_run
from trojanscope.mitigate.gated import Gated

SEEN: dict = {}
_refit = br.refit_bias


def spy(model, *args, **kwargs):
    """Keep the model as the stages left it (today's output), and the refit's seconds."""
    SEEN["before"] = copy.deepcopy(model)
    start = time.perf_counter()
    out = _refit(model, *args, **kwargs)
    SEEN["seconds"] = time.perf_counter() - start
    return out


br.refit_bias = spy


def save_today(entry, method: Gated) -> None:
    """``KEEP``: today's output of a refitted model, read offline (``diag_caps.py``)."""
    keep = Path(sys.argv[3])
    keep.mkdir(parents=True, exist_ok=True)
    suspect = method.report_.get("suspect")
    found = getattr(method, "verdict_", None)
    trigger = found.triggers.get(suspect) if found is not None else None
    torch.save({"state": SEEN["before"].state_dict(), "suspect": suspect,
                "mask": None if trigger is None else trigger.mask,
                "pattern": None if trigger is None else trigger.pattern},
               keep / f"{Path(sys.argv[1]).name}-{entry.name}.pt")


def main() -> None:
    rows_from_one_run(Path(sys.argv[1]), Path(sys.argv[2]), lambda: Gated(bias_refit=True),
                      "gated:bias_refit=1", "bias_refit", "refit", SEEN,
                      keep=save_today if len(sys.argv) > 3 else None)


main()
