"""What could tell `gated`'s second stage to stop on a dense model: its own readings, per round.

`bench_mitigate_stages.py` (same run, same figures on the scoring split, after the first stage
and after each round), plus what the method itself could read on its held-back quarter at
those points, without changing what it does: the detector's reversed trigger for the suspect
class (its proxy ASR, ``trigger``) and a striped universal perturbation of at most
``probe_eps`` towards the suspect (its reach, ``stripe``; the residual probe's second reading).
On a dense model the stage's own stop (a fresh trigger search succeeding on at most
``stop_asr``) never fired on development MLPs (issue 12, stop 39), so it runs every round.
Diagnostic only: it decides nothing. Both readings are deterministic and train nothing (the
perturbation's gradient is taken for the perturbation alone), so the run is the same as
`bench_mitigate_stages.py`'s.

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/bench_stage_signals.py ZOO \\
        --only badnets-000,sig-002 [--params k=v,...] --out OUT.json
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_mitigate_stages import Staged
from bench_mitigate_stages import main as stages_main
from trojanscope.mitigate import residual as probe
from trojanscope.mitigate.gated import UNLEARN
from trojanscope.mitigate.guard import hold_back
from trojanscope.mitigate.trigger_prune import proxy_asr


class Signalled(Staged):
    """`Staged` that also keeps a function reading the method's own signals on a model."""

    def _unlearn(self, model, clean, verdict, original, seed):
        fit, val, _, _ = hold_back(model, clean, UNLEARN["val_fraction"], seed)
        ranked = verdict.target_classes[:1]
        triggers = [verdict.triggers[c] for c in ranked if c in verdict.triggers]

        def signals(m):
            trig = max((proxy_asr(m, t, val) for t in triggers), default=0.0)
            stripe = (
                probe.perturbation_asr(m, fit, val, ranked[0], self.probe_eps) if ranked else 0.0
            )
            return {"trigger": round(trig, 4), "stripe": round(stripe, 4)}

        self.stages_["signals_of"] = signals
        self.stages_["signals_original"] = signals(original)
        self.stages_["signals_first"] = signals(model)
        return super()._unlearn(model, clean, verdict, original, seed)


def main() -> None:
    stages_main(Signalled, __doc__)


if __name__ == "__main__":
    main()
