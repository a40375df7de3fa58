"""Development (issue 12, stop 58: h12): ``sparse_reach``'s reading and step on today's outputs.
For each output ``diag.py`` saved (SAVE=DIR), read on the method's 200 clean images (the
zoo-eval split, seed 0) the sparse universal perturbation's reach towards every class (the
suspect's rank among them), then run the step as the method would with the bar at 0 (always)
and score both on the 800 held-out images with the attacker's trigger (read here only). Beside
it, from the same output: ``free_reach``'s unlearning run whatever its reading (``free``) and a
blend-shaped step (``blend``: copies mixed with a universal pattern at ALPHA, the pattern
re-optimised each batch, the same distilling fine-tune; only with BLEND=1) and ``free8``
(``free_reach``'s unlearning with distillation weight 8, ``reach_round2``'s), to see which shape
the residues need and what each costs.

    PYTHONPATH=src:benchmarks python .../dev_sparse.py DIAG.json SAVED_DIR OUT.json ZOO_DIR...
"""
import copy
import json
import os
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import torch
import torch.nn.functional as F

from trojanscope.data.resolve import load_dataset
from trojanscope.engine.modes import eval_mode
from trojanscope.io.models import load_model
from trojanscope.mitigate import sparse_last as sr
from trojanscope.mitigate.base import frozen_copy
from trojanscope.mitigate.free_unlearn import distil_fit, unlearn_free
from trojanscope.mitigate.run import attack_triggered, measure, split_clean
from trojanscope.mitigate.triggers import attack_from_spec

ALPHA = 0.3
BLEND = bool(os.environ.get("BLEND"))  # the blend-shaped step (dev1.json's first two models)


def blend_push(suspect: int, steps: int = 3):
    """Per batch: the batch mixed at ALPHA with a pattern pushed towards ``suspect``."""
    pattern = {"p": None}

    def push(model, bx):
        p = torch.full((1, *bx.shape[1:]), 0.5) if pattern["p"] is None else pattern["p"]
        want = torch.full((len(bx),), suspect, dtype=torch.long)
        with eval_mode(model):
            for _ in range(steps):
                p = p.detach().requires_grad_(True)
                loss = F.cross_entropy(model((1 - ALPHA) * bx + ALPHA * p), want)
                (g,) = torch.autograd.grad(loss, [p])
                p = (p - 0.1 * g.sign()).clamp(0, 1)
        pattern["p"] = p.detach()
        return (1 - ALPHA) * bx + ALPHA * pattern["p"]
    return push


def main() -> None:
    torch.set_num_threads(1)
    diag = {}
    for f in sys.argv[1].split(","):
        diag.update(json.loads(Path(f).read_text()))
    saved, out_path = Path(sys.argv[2]), Path(sys.argv[3])
    zoos = {Path(z).name: Path(z) for z in sys.argv[4:]}
    rows = json.loads(out_path.read_text()) if out_path.exists() else {}
    clean = load_dataset("mnist", "test")
    fit, held = split_clean(clean, 0.8, 0, needs_data=True)
    for key, d in diag.items():
        zname, name = key.split("/")
        path = saved / f"{zname}-{name}.pt"
        if key in rows or not path.exists() or d.get("suspect") is None:
            continue
        loaded = load_model(zoos[zname] / name)
        trig_of = attack_triggered(attack_from_spec(loaded.manifest.attack))
        trig = trig_of(held)
        model = loaded.module
        model.load_state_dict(torch.load(path, weights_only=True))
        model.eval()
        today = measure(model, held, trig)
        suspect = int(d["suspect"])
        start = time.perf_counter()
        reach = [sr.sparse_reach(model, fit.x, fit.y, c) for c in range(10)]
        read_s = time.perf_counter() - start
        g = SimpleNamespace(report_={"suspect": suspect})
        start = time.perf_counter()
        out = sr.sparse_step(g, model, fit, 0)
        step_s = time.perf_counter() - start
        after = measure(out, held, trig)
        model.load_state_dict(torch.load(path, weights_only=True))
        free = copy.deepcopy(model)
        start = time.perf_counter()
        unlearn_free(free, fit, suspect, 0)
        free_s = time.perf_counter() - start
        free_m = measure(free.eval(), held, trig)
        free8 = copy.deepcopy(model)
        start = time.perf_counter()
        unlearn_free(free8, fit, suspect, 0, distill=8.0)
        free8_s = time.perf_counter() - start
        free8_m = measure(free8.eval(), held, trig)
        blend_m, blend_s = None, None
        if BLEND:
            blend = copy.deepcopy(model)
            start = time.perf_counter()
            distil_fit(blend, frozen_copy(blend), fit, torch.Generator().manual_seed(1),
                       sr.EPOCHS, perturb=blend_push(suspect))
            blend_s = time.perf_counter() - start
            blend_m = measure(blend.eval(), held, trig)
        rank = sum(r > reach[suspect] for r in reach)
        rows[key] = {"target": d["target"], "suspect": suspect, "before": d["before"],
                     "today": today, "step": after, "reach": reach, "rank_from_top": rank,
                     "read_s": read_s, "step_s": step_s, "note": g.report_["sparse_last"],
                     "free": free_m, "free_s": free_s, "blend": blend_m, "blend_s": blend_s,
                     "free8": free8_m, "free8_s": free8_s}
        b = d["before"]["ca"]
        print(key, "target", d["target"], "suspect", suspect, "reach(suspect)",
              round(reach[suspect], 3), "rank", rank, "max other",
              round(max(r for c, r in enumerate(reach) if c != suspect), 3),
              "today", round(100 * (today["ca"] - b), 1), round(100 * today["asr"], 1),
              "step", round(100 * (after["ca"] - b), 1), round(100 * after["asr"], 1),
              f"{step_s:.1f}s", "free", round(100 * (free_m["ca"] - b), 1),
              round(100 * free_m["asr"], 1), "free8", round(100 * (free8_m["ca"] - b), 1),
              round(100 * free8_m["asr"], 1), f"{free8_s:.1f}s", flush=True)
        out_path.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
