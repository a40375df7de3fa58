"""Issue 12, stop 71 (h12; development): what the method can read on an input model before any
stage, for telling a dense-mask backdoor that survives FT-SAM from a flagged clean model.

Per model of a zoo, on the method's 200 clean images (the benchmark's split: MNIST's test
split, holdout 0.8, seed 0): the calibrated detector's probability and suspect, the reversed
trigger's mask size (its L1 norm) and success on those images, and ``free_reach``'s universal
perturbation reading (at most 0.15 per pixel) towards every class (``reach_round.reach_rank``,
with ``--reach``): the suspect's reach and how it stands against the other classes'. One JSON
line per model; the attacker's trigger and target are copied from the zoo's truth for the
reader only.

    PYTHONPATH=src:benchmarks python benchmarks/mitigate_dense_s71_probe.py OUT.jsonl ZOO:N ...
        [--only NAME,...] [--reach]

Rows already in OUT.jsonl are skipped (a rerun resumes).
"""

from __future__ import annotations

import argparse
import json
import resource
from pathlib import Path

import torch

from _common import fail, read_jsonl, run_main
from trojanscope.data.resolve import load_dataset
from trojanscope.io.models import load_model
from trojanscope.mitigate.gated import detector_verdict
from trojanscope.mitigate.reach_round import reach_rank
from trojanscope.mitigate.run import split_clean
from trojanscope.mitigate.trigger_prune import proxy_asr
from trojanscope.zoo import read_truth


def cpu() -> float:
    use = resource.getrusage(resource.RUSAGE_SELF)
    return use.ru_utime + use.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("zoos", nargs="+", help="ZOO:N, a zoo folder and its number")
    ap.add_argument("--only", default=None)
    ap.add_argument("--reach", action="store_true", help="the universal reading too (slower)")
    args = ap.parse_args()
    for z in args.zoos:
        if not (Path(z.rpartition(":")[0]) / "truth.json").is_file():
            fail(f"{z}: not a zoo (no truth.json)")
    torch.set_num_threads(1)
    done = {r["name"] for r in read_jsonl(args.out)} if args.out.is_file() else set()
    wanted = set(args.only.split(",")) if args.only else None
    data = load_dataset("mnist", "test")
    clean, _ = split_clean(data, 0.8, 0, needs_data=True)
    for z in args.zoos:
        folder, _, number = z.rpartition(":")
        _, entries = read_truth(Path(folder))
        for e in entries:
            name = f"{number}/{e.name}"
            if name in done or (wanted is not None and e.name not in wanted):
                continue
            model = load_model(Path(folder) / e.name).module.eval()
            t0 = cpu()
            verdict = detector_verdict("auto", model, clean, 0)
            t1 = cpu()
            suspect = verdict.target_classes[0] if verdict.target_classes else None
            row = {"name": name, "family": e.attack or "clean", "target": e.target,
                   "trigger": {k: v for k, v in e.trigger.items() if k != "seed"},
                   "p": round(float(verdict.probability or 0.0), 4), "suspect": suspect,
                   "ranked": list(verdict.target_classes)[:3], "detect_cpu": round(t1 - t0, 1)}
            trig = verdict.triggers.get(suspect) if suspect is not None else None
            if trig is not None:
                row["mask_l1"] = round(float(trig.mask.abs().sum()), 1)
                row["trigger_sends"] = round(proxy_asr(model, trig, clean), 3)
            if suspect is not None and args.reach:
                reach, rank = reach_rank(model, clean.x, clean.y, suspect)
                others = sorted(r for c, r in enumerate(reach) if c != suspect)
                row.update(reach=[round(r, 3) for r in reach], rank=rank,
                           reach_gap=round(reach[suspect] - others[-1], 3))
            row["cpu_s"] = round(cpu() - t0, 1)
            with args.out.open("a") as fh:
                fh.write(json.dumps(row) + "\n")
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    run_main(main)
