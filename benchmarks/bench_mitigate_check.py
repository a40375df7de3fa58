"""What a defender can see of a second stage's effect: signals on the original, the first
stage's and the second stage's model, per zoo model (development data only).

Each model goes through ``gated:unlearn=1`` (``--params``) once, as ``bench_mitigate_second.py``
runs it; the first stage's model is kept. Then, on the clean images the second stage held back
(the same split), for each of the three models: clean accuracy, each detector trigger's
success, and per class the success of a universal perturbation (free at ``--eps``, striped at
the probe's bound) fitted on the other clean images; and, for reading only, the attacker's
ASR on the held-out test images. Writes JSON (and the two models' weights under ``--cache``):

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/bench_mitigate_check.py ZOO \\
        --params revert=1 --cache DIR --out OUT.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from bench_mitigate_second import TwoStages
from trojanscope.cli.common import parse_params
from trojanscope.data.resolve import load_dataset
from trojanscope.engine.metrics import accuracy
from trojanscope.io.atomic import write_text_atomic
from trojanscope.io.models import load_model
from trojanscope.mitigate.guard import hold_back
from trojanscope.mitigate.residual import perturbation_asr
from trojanscope.mitigate.run import attack_triggered, measure, mitigate, split_clean
from trojanscope.mitigate.trigger_prune import proxy_asr
from trojanscope.mitigate.triggers import attack_from_spec
from trojanscope.zoo import read_truth


def signals(model, fit, val, gx, gy, triggers, classes, eps: list[float],
            stripe_eps: float) -> dict:
    """Clean accuracy on the held-back images, the detector triggers' success, and per class
    the success of free (each bound in ``eps``) and striped universal perturbations."""
    out = {"ca_val": round(accuracy(model, gx, gy), 4),
           "triggers": {str(t.target): round(proxy_asr(model, t, val), 3) for t in triggers}}
    for e in eps:
        out[f"free{e}"] = [round(perturbation_asr(model, fit, val, c, e, stripes=False), 3)
                           for c in range(classes)]
    out[f"stripe{stripe_eps}"] = [round(perturbation_asr(model, fit, val, c, stripe_eps), 3)
                                  for c in range(classes)]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("zoo", type=Path)
    ap.add_argument("--params", default="")
    ap.add_argument("--only", default="")
    ap.add_argument("--eps", default="0.1,0.2")
    ap.add_argument("--stripe-eps", type=float, default=0.3)
    ap.add_argument("--cache", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)
    params = parse_params(args.params.split(",") if args.params else [], "--params")
    eps = [float(e) for e in args.eps.split(",")]
    done = json.loads(args.out.read_text()) if args.out.exists() else {}
    dataset, entries = read_truth(args.zoo)
    clean = load_dataset(dataset, "test")
    for entry in entries:
        if entry.name in done or (args.only and entry.name not in args.only.split(",")):
            continue
        loaded = load_model(args.zoo / entry.name)
        original = load_model(args.zoo / entry.name).module.eval()
        spec = loaded.manifest.attack if loaded.manifest is not None else None
        trigger_of = attack_triggered(attack_from_spec(spec)) if spec is not None else None
        method = TwoStages(unlearn=True, **params)
        verdicts = []
        inner = method._unlearn

        def keep(model, cl, verdict, orig, seed, inner=inner, verdicts=verdicts):
            verdicts.append(verdict)
            return inner(model, cl, verdict, orig, seed)

        method._unlearn = keep  # type: ignore[method-assign]
        result = mitigate(loaded.module, method, clean, holdout=0.8, seed=0,
                          trigger_of=trigger_of, input_shape=loaded.input_shape,
                          num_classes=loaded.num_classes)
        row = {"attack": entry.attack, "arch": entry.arch, "backdoored": entry.backdoored,
               "target": getattr(entry, "target", None), "report": method.report_,
               "elapsed_s": round(result.elapsed_s, 1)}
        if method.first_ is not None:
            fit_all, held = split_clean(clean, 0.8, 0, needs_data=True)
            fit, val, gx, gy = hold_back(method.first_, fit_all, 0.25, 0)
            verdict = verdicts[0]
            triggers = list(verdict.triggers.values())
            row["suspects"] = verdict.target_classes[:3]
            trig = trigger_of(held) if trigger_of else None
            start = time.perf_counter()
            for name, m in (("original", original), ("first", method.first_),
                            ("final", result.model.eval())):
                row[name] = signals(m, fit, val, gx, gy, triggers, loaded.num_classes or 10,
                                    eps, args.stripe_eps)
                row[name]["held"] = measure(m, held, trig)
            row["signals_s"] = round(time.perf_counter() - start, 1)
            where = args.cache / args.zoo.name / entry.name
            where.mkdir(parents=True, exist_ok=True)
            torch.save(method.first_.state_dict(), where / "first.pt")
            torch.save(result.model.state_dict(), where / "final.pt")
            torch.save({str(t.target): {"mask": t.mask, "pattern": t.pattern}
                        for t in triggers}, where / "triggers.pt")
        done[entry.name] = row
        print(entry.name, json.dumps(row, default=str), file=sys.stderr, flush=True)
        write_text_atomic(args.out, json.dumps(done, indent=1, default=str) + "\n")


if __name__ == "__main__":
    main()
