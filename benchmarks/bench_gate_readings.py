"""The detector's gate on dense models: what tells a SIG MLP the detector only just misses
from a clean MLP it rates about as low?

For every zoo model (``--only``), `gated` with ``gate=0,dense_project=0`` (plus ``--params``)
runs as ``zoo eval-mitigation`` runs it (same split, same seed), so every model gets past the
gate and nothing is projected before the readings, up to its residual probe, and stops there
(no second stage: the figures are readings, not a mitigation's). Recorded on the stage's
held-back quarter, all without the attacker's trigger:

- ``p`` (unrounded) and the detector's three most suspicious classes;
- ``reach``: per class, the share of the held-back images outside it that a striped
  perturbation (at most ``probe_eps``, fitted on the other clean images, as the residual probe
  and ``dense_project`` fit it) sends to it on the *original* model (``reach[suspect]`` is
  ``project_kept``'s "stripe reach");
- ``trigger_before`` / ``trigger_projected`` / ``projection_kept``: the suspect's reversed
  trigger on the original and after ``dense_project=2``'s projection (on a copy), and their
  ratio (``project_kept``'s share);
- ``residual``: the probe's own reading after the first stage (``kept``, ``perturbation``).

Diagnostic only: it decides nothing.

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/bench_gate_readings.py ZOO \\
        [--only clean-000,...] [--params k=v,...] --out OUT.json
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_mitigate_second import arguments
from bench_residual_probe import record_each
from trojanscope.engine.metrics import predict
from trojanscope.mitigate import residual as probe
from trojanscope.mitigate.gated import PROJECT_STOP, UNLEARN, Gated
from trojanscope.mitigate.guard import hold_back
from trojanscope.mitigate.stripe_projection import project_stripes
from trojanscope.mitigate.trigger_prune import proxy_asr

PROJECT_DIRECTIONS = 2  # dense_project=2, the value project_kept was chosen with


class GateReadings(Gated):
    """`gated` that records the readings above in ``readings_`` and returns before its
    second stage."""

    def _unlearn(self, model, clean, verdict, original, seed):
        fit, val, _, _ = hold_back(model, clean, UNLEARN["val_fraction"], seed)
        ranked = list(verdict.target_classes)
        self.readings_ = {"p": float(verdict.probability or 0.0), "ranked": ranked[:3]}
        if not ranked:
            return model
        suspect = ranked[0]
        classes = int(predict(original, val.x[:1]).shape[1])
        trigger = verdict.triggers.get(suspect)
        projected = copy.deepcopy(original)
        project_stripes(
            projected, fit, val, suspect, self.probe_eps, PROJECT_DIRECTIONS, PROJECT_STOP
        )
        before = proxy_asr(original, trigger, val) if trigger else None
        after = proxy_asr(projected, trigger, val) if trigger else None
        self.readings_.update(
            {
                "suspect": suspect,
                "reach": [
                    round(probe.perturbation_asr(original, fit, val, c, self.probe_eps), 3)
                    for c in range(classes)
                ],
                "trigger_before": None if before is None else round(before, 3),
                "trigger_projected": None if after is None else round(after, 3),
                "projection_kept": round(after / before, 3) if before else None,
                "residual": probe.residual(
                    model, original, fit, val, [trigger] if trigger else [], suspect, self.probe_eps
                ),
            }
        )
        return model


def main() -> None:
    args, params = arguments(__doc__, "gate=0")
    # readings on the model as given: no projection first (dense_project is gated's default on
    # dense models since stop 37, and the projected model would stand in for the original)
    params = {"gate": 0.0, "dense_project": 0, **params}
    record_each(args, params, "gate=0,dense_project=0", GateReadings, "readings")


if __name__ == "__main__":
    from _common import run_main

    run_main(main)
