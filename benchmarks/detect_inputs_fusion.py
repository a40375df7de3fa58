"""Fusion that lets one strong column carry a model (issue 14, stop 35; measurement only): the
default input detector's ``sumsq`` fusion against a maximum over its columns, on development
models (our own runs and foreign zoo models).

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/detect_inputs_fusion.py \\
        RUN_OR_ZOO/NAME [...] --out OUT.json

Fusions, each a full guard (``evaluate_triggered``: fitted and cross-fitted on one half of the
MNIST test split, scored on the other half and its triggered copies; ``--seed`` picks the
halves), the detector otherwise today's default:

- ``sumsq``: today's default (the sum of squares of the positive standardised columns);
- ``max``: ``combine=max``, the largest standardised column (layers on their clean mean and
  standard deviation, the consistency, edge and isolated columns on their clean tail scale);
- ``tailmax``: every column first put on the clean tail scale of the consistency columns
  (median, and the clean 99th percentile mapped to the normal's; ``consistency.tail_scale``),
  read on the detector's own clean inputs after its fit, then the largest. The layer columns'
  scale is read in-sample (the fit's cross-fitted distances are not kept), which can only
  inflate their clean scores; the guard's threshold is cross-fitted as for every method, so
  the clean flag rate stays an honest reading.

Per model and fusion: ROC-AUC and TPR at 1% FPR against the held-out clean half (positives
where the backdoor fires), and the guard's flag rate on that clean half at its own threshold.
A path with a ``manifest.json`` is one of our runs (its attack's trigger); otherwise
``ZOO/NAME`` names a foreign zoo model (its ``truth.json``'s trigger).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch
from torch import Tensor

from trojanscope.data import load_dataset
from trojanscope.detect.input_level.consistency import tail_scale
from trojanscope.detect.input_level.evaluate import evaluate_triggered
from trojanscope.detect.input_level.mahalanobis import Mahalanobis
from trojanscope.io.atomic import write_text_atomic
from trojanscope.io.models import load_model
from trojanscope.mitigate.triggers import attack_from_spec

sys.path.insert(0, str(Path(__file__).parent))


class TailMax(Mahalanobis):
    """Today's default detector fused by the largest column after a per-column clean tail
    scale (see the module docstring)."""

    def fit(self, model, clean_x, *, generator, input_shape=None) -> None:  # type: ignore[override]
        super().fit(model, clean_x, generator=generator, input_shape=input_shape)
        with torch.no_grad():
            self.tail_centre_, self.tail_spread_ = tail_scale(self._raw(clean_x).double())

    def _fuse(self, z: Tensor) -> Tensor:
        if not hasattr(self, "tail_centre_"):  # during the fit's own reading of its columns
            return super()._fuse(z)
        return ((z.double() - self.tail_centre_) / self.tail_spread_).amax(1).to(z.dtype)


def model_and_attack(spec: Path) -> tuple[torch.nn.Module, object, dict]:
    """The model, its trigger (an ``Attack`` or ``ForeignTrigger``) and what to report of it."""
    if (spec / "manifest.json").is_file():
        loaded = load_model(spec)
        return loaded.module, attack_from_spec(loaded.manifest.attack), {"kind": "own"}
    from bench_detect_inputs_foreign import ForeignTrigger

    truth = json.loads((spec.parent / "truth.json").read_text())["models"]
    meta = next(m for m in truth if m["name"] == spec.name)
    module = load_model(spec.parent / f"{spec.name}.pt").module.eval()
    info = {"kind": "foreign", "arch": meta["arch_family"], "trigger": meta["trigger_family"]}
    return module, ForeignTrigger(meta["trigger"], meta["target"]), info


FUSIONS = {"sumsq": Mahalanobis, "max": lambda: Mahalanobis(combine="max"), "tailmax": TailMax}


def bench(spec: Path, seed: int, fusions: list[str]) -> list[dict]:
    model, attack, info = model_and_attack(spec)
    clean = load_dataset("mnist", "test")
    rows = []
    for fusion in fusions:
        det = FUSIONS[fusion]()
        ev = evaluate_triggered(model, det, clean, attack, fpr=0.01, seed=seed).as_dict()
        rows.append({"model": f"{spec.parent.name}/{spec.name}", **info, "fusion": fusion, **ev})
        print(f"{spec} {fusion}: ROC-AUC {ev['roc_auc']:.4f} TPR {ev['tpr_at_fpr']:.3f} "
              f"clean flag rate {ev['guard_fpr']:.3f}", flush=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", type=Path, nargs="+", help="run folders or ZOO/NAME")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--fusions", default=",".join(FUSIONS), help="comma-separated, of "
                    + ", ".join(FUSIONS))
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)
    fusions = args.fusions.split(",")
    if unknown := [f for f in fusions if f not in FUSIONS]:
        ap.error(f"--fusions: unknown {', '.join(unknown)}; valid: {', '.join(FUSIONS)}")
    rows: list[dict] = []
    for spec in args.models:
        rows += bench(spec, args.seed, fusions)
        write_text_atomic(args.out, json.dumps(rows, indent=1) + "\n")  # after every model


if __name__ == "__main__":
    main()
