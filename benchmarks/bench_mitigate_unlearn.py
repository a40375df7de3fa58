"""Tuning `gated`'s second stage (recovered-trigger unlearning) on development zoos.

The first stage (the detector's verdict and FT-SAM) is the expensive part and does not depend on
the second stage's settings, so it runs once per model and is cached under ``--cache``; each
variant of the second stage then starts from the cached FT-SAM model. The split, seed and
figures are :func:`trojanscope.mitigate.run.mitigate`'s (CA and ASR on the held-out 80%), so a
variant's row is what ``bench_mitigate.py ZOO --methods "gated:VARIANT"`` would measure:

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/bench_mitigate_unlearn.py ZOO [ZOO ...] \\
        --attacks sig,badnets --variants "eps=0.3;eps=0.2,rounds=2" --cache DIR --out OUT.json

``--probe-eps 0.1,0.2`` also records, per model, the residual probe
(:mod:`trojanscope.mitigate.residual`) on the model the first stage left, towards the suspect
class and (``others``) the median over the other classes, at each bound: what chooses the
second stage's own gate.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from pathlib import Path

import torch

from trojanscope import registry
from trojanscope.cli.common import parse_params
from trojanscope.data.resolve import load_dataset
from trojanscope.detect.base import ModelVerdict, ReversedTrigger
from trojanscope.io.atomic import write_text_atomic
from trojanscope.io.models import load_model
from trojanscope.mitigate import gated as gated_module
from trojanscope.mitigate.gated import UNLEARN as DEFAULT_UNLEARN
from trojanscope.mitigate.gated import detector_verdict
from trojanscope.mitigate.guard import hold_back
from trojanscope.mitigate.residual import perturbation_asr, residual
from trojanscope.mitigate.run import attack_triggered, measure, split_clean
from trojanscope.mitigate.triggers import attack_from_spec
from trojanscope.zoo import read_truth


def stage_one(path: Path, cache: Path, model: torch.nn.Module, fit, seed: int,
              ) -> tuple[ModelVerdict, torch.nn.Module, float]:
    """The detector's verdict and the FT-SAM model (cached), and the seconds they took."""
    if cache.exists():
        saved = torch.load(cache, weights_only=True)
        treated = copy.deepcopy(model)
        treated.load_state_dict(saved["state"])
        triggers = {int(c): ReversedTrigger(int(c), m, p)
                    for c, (m, p) in saved["triggers"].items()}
        verdict = ModelVerdict("auto", 0.0, saved["ranked"], [], triggers=triggers,
                               probability=saved["p"])
        return verdict, treated, saved["seconds"]
    start = time.perf_counter()
    verdict = detector_verdict("auto", model, fit, seed)
    treated = copy.deepcopy(model)
    for p in treated.parameters():
        p.requires_grad_(True)
    treated = registry.create("mitigation", "ftsam").purify(treated, fit, seed).eval()
    seconds = time.perf_counter() - start
    torch.save({"state": treated.state_dict(), "ranked": list(verdict.target_classes),
                "p": float(verdict.probability or 0.0), "seconds": seconds,
                "triggers": {str(c): (t.mask, t.pattern) for c, t in verdict.triggers.items()}},
               cache)
    return verdict, treated, seconds


def probe(model: torch.nn.Module, treated: torch.nn.Module, fit, verdict: ModelVerdict,
          eps: float, seed: int, with_others: bool = False) -> dict:
    """The residual probe at ``eps`` on the first stage's model against the original's, towards
    the suspect class, and (``with_others``) the median of the perturbation's success towards
    the other classes."""
    part, val, _, _ = hold_back(treated, fit, 0.25, seed)
    suspect = verdict.target_classes[0]
    triggers = [verdict.triggers[suspect]] if suspect in verdict.triggers else []
    start = time.perf_counter()
    after = residual(treated, model, part, val, triggers, suspect, eps)
    others = sorted(perturbation_asr(treated, part, val, c, eps)
                    for c in range(len(verdict.target_classes)) if c != suspect and with_others)
    return {"after": after,
            "others_median": others[len(others) // 2] if others else None,
            "others_max": others[-1] if others else None,
            "s": round(time.perf_counter() - start, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("zoos", type=Path, nargs="+")
    ap.add_argument("--attacks", default="sig,badnets", help="comma-separated; 'clean' too")
    ap.add_argument("--archs", default="", help="comma-separated architectures (default: all)")
    ap.add_argument("--variants", default="", help="';'-separated gated settings, e.g. 'eps=0.3'")
    ap.add_argument("--cache", type=Path, required=True)
    ap.add_argument("--probe-eps", default="", help="comma-separated bounds for the probe")
    ap.add_argument("--others", action="store_true", help="probe every other class too")
    ap.add_argument("--holdout", type=float, default=0.8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)
    args.cache.mkdir(parents=True, exist_ok=True)
    wanted = set(args.attacks.split(","))
    results = json.loads(args.out.read_text()) if args.out.exists() else {}
    variants = [v.strip() for v in args.variants.split(";") if v.strip()]
    for zoo in args.zoos:
        dataset, entries = read_truth(zoo)
        clean = load_dataset(dataset, "test")
        fit, held = split_clean(clean, args.holdout, args.seed, needs_data=True)
        assert fit is not None
        for entry in entries:
            if (entry.attack or "clean") not in wanted or (
                    args.archs and entry.arch not in args.archs.split(",")):
                continue
            loaded = load_model(zoo / entry.name)
            model = loaded.module.eval()
            spec = loaded.manifest.attack if loaded.manifest is not None else None
            triggered = attack_triggered(attack_from_spec(spec))(held) if spec else None
            before = measure(model, held, triggered)
            cache = args.cache / f"{zoo.name}-{entry.name}.pt"
            verdict, treated, first_s = stage_one(zoo / entry.name, cache, model, fit, args.seed)
            key = f"{zoo.name}/{entry.name}"
            row = results.setdefault(key, {"attack": entry.attack, "before": before,
                                           "p": verdict.probability,
                                           "suspect": verdict.target_classes[0],
                                           "target": entry.target,
                                           "ftsam": measure(treated, held, triggered),
                                           "stage1_s": round(first_s, 1)})
            for eps in filter(None, args.probe_eps.split(",")):
                if f"probe:{eps}" not in row:
                    row[f"probe:{eps}"] = probe(model, treated, fit, verdict, float(eps),
                                                args.seed, args.others)
                    print(f"{key} probe eps {eps}: {row[f'probe:{eps}']}", file=sys.stderr,
                          flush=True)
            for variant in variants:
                if variant in row:
                    continue
                params = parse_params(variant.split(","), "--variants")
                # settings `gated` does not take are the second stage's (Adaptive's names)
                own = registry.get("mitigation", "gated").__init__.__code__.co_varnames
                stage = {k: params.pop(k) for k in list(params) if k not in own}
                gated = registry.create("mitigation", "gated", **params)
                gated_module.UNLEARN = {**DEFAULT_UNLEARN, **stage}
                gated.report_ = {}
                model2 = copy.deepcopy(treated)
                for p in model2.parameters():
                    p.requires_grad_(True)
                start = time.perf_counter()
                out = gated._unlearn(model2, fit, verdict, model, args.seed).eval()
                after = measure(out, held, triggered)
                row[variant] = {**after, "s": round(time.perf_counter() - start, 1),
                                "report": gated.report_.get("unlearn")}
                print(f"{key} {variant}: CA {before['ca']:.3f}->{after['ca']:.3f} ASR "
                      f"{before.get('asr', 0):.3f}->{row['ftsam'].get('asr', 0):.3f}->"
                      f"{after.get('asr', 0):.3f} ({row[variant]['s']} s) "
                      f"{row[variant]['report']}", file=sys.stderr, flush=True)
                write_text_atomic(args.out, json.dumps(results, indent=2, default=str) + "\n")
            write_text_atomic(args.out, json.dumps(results, indent=2, default=str) + "\n")


if __name__ == "__main__":
    main()
