"""Why `gated` handed a backdoored model back unchanged: its branch, and what the others gave.

For each ``ZOO/MODEL`` given, `gated` (today's default, as ``zoo eval-mitigation`` runs it: the
``--holdout`` split, ``--seed``) purifies the model and its report is kept (detector p, suspect,
projection, residual probe, the second stage's action); then, diagnosis only, the same with
``revert=0`` (the first stage's model where the probe's revert fired) and with ``kept=1.01``
(the second stage forced), each measured with the attack's real trigger on the scoring split;
and the striped perturbation's reach (``probe_eps``, the stage's split, as ``stripe_gate``
fits it) towards every class on the original, to see where the true target ranks. Nothing
here changes a method; the real trigger and target are read for the figures only (issue 12,
stop 48: h12d).

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/diag_hand_back.py \\
        /tmp/h12as48/zoo-2427/sig-002 [...] --out OUT.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from trojanscope.data.resolve import load_dataset
from trojanscope.io.atomic import write_text_atomic
from trojanscope.io.models import load_model
from trojanscope.mitigate import residual as probe
from trojanscope.mitigate.base import frozen_copy
from trojanscope.mitigate.gated import UNLEARN, Gated
from trojanscope.mitigate.guard import hold_back
from trojanscope.mitigate.run import attack_triggered, mitigate, split_clean
from trojanscope.mitigate.triggers import attack_from_spec
from trojanscope.zoo import read_truth


def figures(result) -> dict:
    """Clean accuracy and ASR after, rounded."""
    return {k: round(v, 4) for k, v in result.after.items() if k in ("ca", "asr")}


def one(path: Path, holdout: float, seed: int) -> dict:
    """The default's report and figures on ``path``, and the two diagnostic variants'."""
    dataset, _ = read_truth(path.parent)
    clean = load_dataset(dataset, "test")
    loaded = load_model(path)
    spec = loaded.manifest.attack
    trigger_of = attack_triggered(attack_from_spec(spec))
    original = frozen_copy(loaded.module)
    out: dict = {}
    for name, params in (("gated", {}), ("revert=0", {"revert": False}),
                         ("kept=1.01", {"kept": 1.01})):
        method = Gated(**params)
        result = mitigate(frozen_copy(original), method, clean, holdout=holdout, seed=seed,
                          trigger_of=trigger_of, input_shape=loaded.input_shape,
                          num_classes=loaded.num_classes)
        out[name] = figures(result)
        if name == "gated":
            out["before"] = {k: round(v, 4) for k, v in result.before.items()
                             if k in ("ca", "asr")}
            verdict = method.verdict_
            out["p"] = round(float(verdict.probability or 0.0), 3) if verdict else None
            out["ranked"] = list(verdict.target_classes) if verdict else None
            out["report"] = {k: method.report_.get(k) for k in
                             ("action", "suspect", "stripe_gate", "project", "residual",
                              "unlearn", "hand_check", "overruled")
                             if k in method.report_}
    fit, _ = split_clean(clean, holdout, seed, needs_data=True)
    assert fit is not None
    sfit, val, _, _ = hold_back(original, fit, UNLEARN["val_fraction"], seed)
    classes = int(loaded.num_classes or 10)
    out["stripe_reach_original"] = {
        c: round(probe.perturbation_asr(original, sfit, val, c, Gated().probe_eps), 3)
        for c in range(classes)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", nargs="+", type=Path)
    ap.add_argument("--holdout", type=float, default=0.8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)
    done: dict = json.loads(args.out.read_text()) if args.out.exists() else {}
    for path in args.models:
        key = f"{path.parent.name}/{path.name}"
        if key not in done:
            done[key] = one(path, args.holdout, args.seed)
        row = done[key]
        row["target"] = json.loads((path / "zoo_entry.json").read_text()).get("target")
        print(key, "p", row["p"], "target", row["target"], "ranked", row["ranked"][:3],
              {k: row[k] for k in ("before", "gated", "revert=0", "kept=1.01")}, flush=True)
        write_text_atomic(args.out, json.dumps(done, indent=1, default=str) + "\n")


if __name__ == "__main__":
    main()
