"""What `gated`'s residual probe reads, model by model: the inputs of its second-stage gate.

For every zoo model (``--only``), `gated` (plus ``--params``) runs as ``zoo eval-mitigation``
runs it, up to its residual probe, and stops there (the second stage is not run: the figures
are the probe's, not a mitigation's). Recorded: the detector's calibrated probability and
suspect class, the probe's own numbers (``trigger_before``, ``trigger_after``, ``kept``,
``perturbation``) on its held-back quarter with their image counts, and the same trigger's
success before and after the first stage on *all* the method's clean images outside the
suspect class (the first stage and the detector saw every one of them, as they saw the held-back
quarter with ``hold=0``), so ``kept`` can be read on about four times as many images.
Diagnostic only: it decides nothing.

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/bench_residual_probe.py ZOO \\
        [--only clean-000,...] [--params k=v,...] --out OUT.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_mitigate_second import arguments, pending
from bench_mitigate_stages import run_entry
from trojanscope.io.atomic import write_text_atomic
from trojanscope.mitigate import residual as probe
from trojanscope.mitigate.gated import UNLEARN, Gated
from trojanscope.mitigate.guard import hold_back
from trojanscope.mitigate.trigger_prune import proxy_asr


def counts(model, original, triggers, data, suspect: int) -> dict[str, float]:
    """The best reversed trigger's hits on ``data``'s images outside ``suspect``, on
    ``original`` (before) and ``model`` (after), and how many images that is."""
    n = int((data.y != suspect).sum())
    before = max((proxy_asr(original, t, data) for t in triggers), default=0.0)
    after = max((proxy_asr(model, t, data) for t in triggers), default=0.0)
    return {"n": n, "hits_before": round(before * n), "hits_after": round(after * n)}


class ProbeOnly(Gated):
    """`gated` that records its residual probe's inputs and returns before the second stage."""

    def _unlearn(self, model, clean, verdict, original, seed):
        ranked = verdict.target_classes[:1]
        triggers = [verdict.triggers[c] for c in ranked if c in verdict.triggers]
        fit, val, _, _ = hold_back(model, clean, UNLEARN["val_fraction"], seed)
        if not ranked:
            self.probe_ = {"note": "no suspect class"}
            return model
        suspect = ranked[0]
        self.probe_ = {
            "suspect": suspect,
            "triggers": len(triggers),
            "residual": probe.residual(
                model, original, fit, val, triggers, suspect, self.probe_eps
            ),
            "val": counts(model, original, triggers, val, suspect),
            "all": counts(model, original, triggers, clean, suspect),
        }
        return model


def record_each(args, params: dict, label: str, make, key: str) -> None:
    """Run ``make(**params)`` (a `gated` that stops early and keeps what it read in
    ``.{key}_``) on each pending zoo model, as ``zoo eval-mitigation`` runs it, and write the
    model's truth, the detector's note and that reading under ``key`` to ``args.out`` (resumable;
    ``label`` names the settings)."""
    done = json.loads(args.out.read_text()) if args.out.exists() else {"models": {}}
    done["params"] = args.params or label
    for entry, loaded, trigger_of, clean in pending(args, done):
        method = make(**params)
        setattr(method, f"{key}_", None)
        run_entry(loaded, method, clean, args, trigger_of)
        done["models"][entry.name] = {
            "backdoored": entry.backdoored,
            "attack": entry.attack,
            "target": entry.target,
            "detector": method.report_.get("detector"),
            key: getattr(method, f"{key}_"),
        }
        write_text_atomic(args.out, json.dumps(done, indent=2, default=str) + "\n")
        print(entry.name, json.dumps(done["models"][entry.name], default=str), flush=True)


def main() -> None:
    args, params = arguments(__doc__, "the defaults")
    record_each(args, params, "the defaults", ProbeOnly, "probe")


if __name__ == "__main__":
    main()
