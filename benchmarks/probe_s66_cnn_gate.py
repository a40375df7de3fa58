"""What a gate probe would read on CNNs the detector passes (issue 12, stop 66: h12c).

For every model of a zoo (with ``--detector``, first the calibrated detector's probability and
ranking: `gated`'s own call, seed 0, on the method's 200 images of the benchmark's split; it
ranks every class, so the readings below cover the classes ``conv_gate`` reads), on the model as
it is, per class, the share of held-back images (`gated`'s stage split of those 200) a striped
perturbation of at most ``--stripe-eps`` sends there (``stripe_gate``'s reading, which today
runs on dense models only) and the share a universal warp of at most ``--warp`` sends there
(the second stage's ``warp_reach``). Reads no attacker trigger; the zoo's truth is printed
beside each row for the reader only. Rows written after each model.

    PYTHONPATH=src:benchmarks python benchmarks/probe_s66_cnn_gate.py ZOO OUT.json \
        [--detector] [--only A,B]

A bad argument (no zoo, no output folder) ends in one ``error:`` line and exit 2.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from _common import run_main
from trojanscope.data.resolve import load_dataset
from trojanscope.io.atomic import write_text_atomic
from trojanscope.io.models import load_model
from trojanscope.mitigate import residual as probe
from trojanscope.mitigate.gated import detector_verdict
from trojanscope.mitigate.gated_defaults import STRIPE_GATE, UNLEARN, WARP
from trojanscope.mitigate.guard import hold_back
from trojanscope.mitigate.run import split_clean
from trojanscope.mitigate.universal_warp import warp_reach
from trojanscope.zoo import read_truth


def main(argv: list[str] | None = None) -> None:
    """Every model's detector reading and per-class stripe and warp reach, to OUT.json."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("zoo", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--stripe-eps", type=float, default=STRIPE_GATE["eps"])
    ap.add_argument("--warp", type=float, default=WARP)
    ap.add_argument("--detector", action="store_true", help="the detector's reading too")
    ap.add_argument("--only", default="", help="comma-separated model names (default: all)")
    args = ap.parse_args(argv)
    if not (args.zoo / "truth.json").is_file():
        ap.exit(2, f"error: {args.zoo}: no zoo (no truth.json)\n")
    if not args.out.parent.is_dir():
        ap.exit(2, f"error: {args.out.parent}: no such folder\n")
    torch.set_num_threads(1)
    dataset, entries = read_truth(args.zoo)
    fit_all, _ = split_clean(load_dataset(dataset, "test"), 0.8, 0, needs_data=True)
    assert fit_all is not None
    only = {n for n in args.only.split(",") if n}
    rows = []
    for e in entries:
        if only and e.name not in only:
            continue
        start = time.process_time()
        model = load_model(args.zoo / e.name).module.eval()
        verdict = detector_verdict("auto", model, fit_all, 0) if args.detector else None
        fit, val, _, _ = hold_back(model, fit_all, UNLEARN["val_fraction"], 0)
        classes = range(int(fit_all.y.max()) + 1)
        stripe = [round(probe.perturbation_asr(model, fit, val, c, args.stripe_eps), 3)
                  for c in classes]
        warp = [round(warp_reach(model, fit.x, val.x, c, args.warp), 3) for c in classes]
        rows.append({"name": e.name, "attack": e.attack, "target": e.target,
                     "p": None if verdict is None else round(float(verdict.probability or 0), 4),
                     "ranked": None if verdict is None else list(verdict.target_classes),
                     "stripe": stripe, "warp": warp,
                     "cpu_s": round(time.process_time() - start, 1)})
        r = rows[-1]
        print(f"{e.name} target {e.target} p {r['p']} ranked {(r['ranked'] or [])[:3]} "
              f"stripe max {max(stripe):.2f}@{stripe.index(max(stripe))} "
              f"warp max {max(warp):.2f}@{warp.index(max(warp))} cpu {r['cpu_s']}s", flush=True)
        write_text_atomic(args.out, json.dumps({"zoo": str(args.zoo), "stripe_eps":
                                                args.stripe_eps, "warp": args.warp,
                                                "rows": rows}, indent=1))


if __name__ == "__main__":
    run_main(main)
