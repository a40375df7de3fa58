"""What a bounded fresh trigger search reads on `gated`'s purified model (issue 12, stop 46).

Diagnostic only: it decides nothing and changes no weight. As ``bench_mitigate_stages.py``
(the method with ``--params``, scored on the held-out split), and after the second stage the
suspect's trigger is searched again on the purified model
(:func:`trojanscope.mitigate.fresh_residue.bounded_search`, fit images only) with the mask's L1
limited to K times the detector's first trigger's, from a random start (``cold``) and from
that trigger (``warm``); ``residue_readings`` holds each search's success on the held-back
quarter, to set beside the model's real ASR after:

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/bench_mitigate_residue_readings.py ZOO \\
        --only blended-001,badnets-005 --out OUT.json
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from bench_mitigate_stages import Staged, main
from trojanscope.mitigate.fresh_residue import bounded_search
from trojanscope.mitigate.gated import UNLEARN
from trojanscope.mitigate.guard import hold_back
from trojanscope.mitigate.trigger_prune import proxy_asr

BUDGETS = (1.0, 2.0, 4.0)


class Readings(Staged):
    """`Staged` that reads bounded searches on the model the second stage hands back."""

    def _unlearn(self, model, clean, verdict, original, seed):
        out = super()._unlearn(model, clean, verdict, original, seed)
        suspect = verdict.target_classes[0] if verdict.target_classes else None
        first = verdict.triggers.get(suspect) if suspect is not None else None
        if first is None or "rounds" not in self.report_.get("unlearn", {}):
            return out
        fit, val, _, _ = hold_back(out, clean, UNLEARN["val_fraction"], seed)
        readings = {"first": round(proxy_asr(out, first, val), 3),
                    "first_norm": round(float(first.mask.sum()), 1)}
        for k in BUDGETS:
            budget = k * float(first.mask.sum())
            for how, start in (("cold", None), ("warm", first)):
                found = bounded_search(out, fit, suspect, budget,
                                       torch.Generator().manual_seed(seed + 2), start=start)
                readings[f"{how}{k:g}"] = round(proxy_asr(out, found, val), 3)
        self.report_["residue_readings"] = readings
        return out


if __name__ == "__main__":
    main(Readings, __doc__)
