"""What `gated`'s second stage could read, round by round, to know when to stop (issue 12).

Diagnostic only: it decides nothing. As ``bench_mitigate_stages.py`` (ASR and clean accuracy
of each round's model on the scoring split, the guard's accuracy on the held-back quarter), and
beside them two readings the method can make on its own 200 clean images: ``trig``, the
detector's reversed trigger's success on the held-back quarter (the first trigger the stage
unlearns), and ``pert``, a striped perturbation's success towards the suspect class
(:func:`trojanscope.mitigate.residual.perturbation_asr`, the residual probe's second reading).
Give a high ``dense_rounds`` to see where the rounds would go past today's cap:

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/bench_mitigate_round_signals.py ZOO \\
        --only blended-001,badnets-005 --params dense_rounds=10 --out OUT.json
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_mitigate_stages import Staged, main
from trojanscope.mitigate.adaptive import trigger_probability
from trojanscope.mitigate.gated import PROBE_EPS, UNLEARN
from trojanscope.mitigate.guard import hold_back
from trojanscope.mitigate.residual import perturbation_asr
from trojanscope.mitigate.trigger_prune import proxy_asr


def trigger_readings(model, trigger, clean) -> dict[str, float]:
    """The reversed trigger on all of the method's clean images outside its class (finer than
    the held-back quarter): ``trig_all``, the share it sends there; ``trig_p``, the mean
    probability it gives that class (what ``dense_stop`` reads)."""
    if trigger is None:
        return {}
    return {"trig_all": round(proxy_asr(model, trigger, clean), 4),
            "trig_p": round(trigger_probability(model, trigger, clean), 4)}


class Signals(Staged):
    """`Staged` whose rounds also get ``trig`` and ``pert`` (module docstring)."""

    def _unlearn(self, model, clean, verdict, original, seed):
        fit, val, _, _ = hold_back(model, clean, UNLEARN["val_fraction"], seed)
        suspect = verdict.target_classes[0]
        trigger = verdict.triggers.get(suspect)

        def signals(m):
            trig = proxy_asr(m, trigger, val) if trigger is not None else 0.0
            return {"trig": round(trig, 3),
                    "pert": round(perturbation_asr(m, fit, val, suspect, PROBE_EPS), 3),
                    **trigger_readings(m, trigger, clean)}

        self.stages_["signals_of"] = signals
        self.stages_["first_signals"] = signals(model)
        return super()._unlearn(model, clean, verdict, original, seed)


if __name__ == "__main__":
    main(Signals, __doc__)
