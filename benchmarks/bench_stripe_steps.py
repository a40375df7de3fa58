"""Direction by direction: a dense model's clean accuracy and ASR (scoring split) as striped
shortcuts towards the detector's suspect class are projected out of its first layer, one at a
time, from the original model: for N = 1..``--steps``, what ``gated:dense_project=N`` does
before its stages (the model it hands them), and the striped perturbation's reach at the
suspect before each direction and after the last. Diagnostic only:
it decides nothing (docs/benchmarks.md, "Projecting a stripe out of a dense first layer").

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/bench_stripe_steps.py ZOO \\
        --only sig-002 --steps 3 --out OUT.json
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from bench_mitigate_second import pending
from trojanscope.io.atomic import write_text_atomic
from trojanscope.mitigate.gated import PROBE_EPS, UNLEARN, detector_verdict
from trojanscope.mitigate.guard import hold_back
from trojanscope.mitigate.run import measure, split_clean
from trojanscope.mitigate.stripe_projection import project_stripes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("zoo", type=Path)
    ap.add_argument("--only", default="", help="comma-separated model names (default: all)")
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--eps", type=float, default=PROBE_EPS)
    ap.add_argument("--holdout", type=float, default=0.8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)
    done = json.loads(args.out.read_text()) if args.out.exists() else {"models": {}}
    for entry, loaded, trigger_of, clean in pending(args, done):
        method_data, held = split_clean(clean, args.holdout, args.seed, needs_data=True)
        assert method_data is not None
        triggered = trigger_of(held) if trigger_of else None
        model = loaded.module.eval()
        start = time.perf_counter()
        verdict = detector_verdict("auto", model, method_data, args.seed)
        suspect = verdict.target_classes[0]
        fit, val, _, _ = hold_back(model, method_data, UNLEARN["val_fraction"], args.seed)
        steps = [{k: round(v, 4) for k, v in measure(model, held, triggered).items()}]
        reach: list[float] = []
        for n in range(1, args.steps + 1):  # dense_project=n, from the original each time
            projected = copy.deepcopy(model)
            reach = project_stripes(projected, fit, val, suspect, args.eps, n, 0.0)["reach"]
            steps.append({k: round(v, 4) for k, v in measure(projected, held, triggered).items()})
        done["models"][entry.name] = {
            "suspect": suspect,
            "target": entry.target,
            "steps": steps,
            "reach": reach,
            "seconds": round(time.perf_counter() - start, 1),
        }
        write_text_atomic(args.out, json.dumps(done, indent=2) + "\n")
        print(entry.name, json.dumps(done["models"][entry.name]), flush=True)


if __name__ == "__main__":
    main()
