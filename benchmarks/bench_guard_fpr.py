"""The guard's realised clean flag rate: does the threshold set at ``--fpr`` on clean data hold on
new clean data?

    OMP_NUM_THREADS=1 PYTHONPATH=src .venv/bin/python benchmarks/bench_guard_fpr.py \\
        RUN [RUN ...] --splits 5 --out OUT.json

For every model and every split seed, MNIST's 1,000-image test split is dealt at random into a
guard part (``--guard-size`` images) and the held-out rest; the guard is fitted on its part and
the share of held-out clean images it flags is its realised false-positive rate. Two rules:
``cross-fit`` (:func:`fit_guard`: the detector fits on every guard image, the threshold is the
split-conformal rank of cross-fitted scores), ``copies`` (the same guard scoring new inputs with
its fold copies, :meth:`FittedGuard.check_by_copies`: cross-conformal p-values, no refitted
detector) and ``halves`` (the rule before issue 14's second round: the detector fits on one
half, the plain quantile of the other half's scores). Scoring time per held-out image is kept
for ``cross-fit`` and ``copies``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from trojanscope.data import load_dataset
from trojanscope.detect.input_level import auto
from trojanscope.detect.input_level.base import fit_guard, threshold_at_fpr
from trojanscope.io.atomic import write_text_atomic
from trojanscope.io.models import load_model
from trojanscope.params import parse_assignments


def halves_threshold(model: torch.nn.Module, method: str, x: torch.Tensor, fpr: float,
                     gen: torch.Generator, params: dict | None = None) -> tuple[object, float]:
    """The former rule: fit on a random half, plain ``fpr`` quantile of the other half."""
    order = torch.randperm(len(x), generator=gen)
    half = len(x) // 2
    det = auto.create(method, **(params or {}))
    det.fit(model, x[order[half:]], generator=gen)
    return det, threshold_at_fpr(det.score(x[order[:half]]), fpr)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", type=Path, nargs="+")
    ap.add_argument("--method", default="auto")
    ap.add_argument("--param", action="append", default=[],
                    help="detector parameter NAME=VALUE (e.g. transforms=[] and edges=true: "
                    "the guard serve --guard auto runs)")
    ap.add_argument("--fpr", type=float, default=0.01)
    ap.add_argument("--guard-size", type=int, default=500)
    ap.add_argument("--splits", type=int, default=5)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--summarise", action="store_true",
                    help="RUN arguments are earlier JSON outputs: print their pooled summary "
                    "(split seeds do not depend on the model, so per-model runs pool exactly)")
    args = ap.parse_args()
    if args.summarise:
        outs = [json.loads(Path(p).read_text()) for p in args.runs]
        rows = [r for o in outs for r in o["rows"]]
        print_summary(rows, summarise(rows, outs[0]["fpr"]), outs[0]["guard_size"])
        return
    if args.out is None:
        ap.error("--out is required")
    torch.set_num_threads(1)
    params = parse_assignments(args.param, "--param")
    test = load_dataset("mnist", "test")
    rows = []
    for run in args.runs:
        model = load_model(run).module.eval()
        for split in range(args.splits):
            order = torch.randperm(len(test), generator=torch.Generator().manual_seed(split))
            guard_x, held_x = test.x[order[: args.guard_size]], test.x[order[args.guard_size:]]
            with torch.no_grad():
                gen = torch.Generator().manual_seed(1000 + split)
                guard = fit_guard(model, auto.create(args.method, **params), guard_x, fpr=args.fpr,
                                  generator=gen, keep_copies=True)
                start = time.perf_counter()
                cross = float(guard.check(held_x)[1].float().mean())
                cross_s = (time.perf_counter() - start) / len(held_x)
                start = time.perf_counter()
                copies = float(guard.check_by_copies(held_x)[1].float().mean())
                copies_s = (time.perf_counter() - start) / len(held_x)
                det, t = halves_threshold(model, args.method, guard_x, args.fpr, gen, params)
                halves = float((det.score(held_x) > t).float().mean())
            rows.append({"model": run.name, "split": split, "held_out": len(held_x),
                         "cross_fit_fpr": cross, "copies_fpr": copies, "halves_fpr": halves,
                         "cross_fit_s_per_input": cross_s, "copies_s_per_input": copies_s})
            print(f"{run.name} split {split}: cross-fit {cross:.4f}  copies {copies:.4f}  "
                  f"halves {halves:.4f}", flush=True)
    summary = summarise(rows, args.fpr)
    result = {"method": args.method, "params": args.param, "fpr": args.fpr,
              "guard_size": args.guard_size,
              "rows": rows, "summary": summary}
    write_text_atomic(args.out, json.dumps(result, indent=2) + "\n")
    print_summary(rows, summary, args.guard_size)


def summarise(rows: list[dict], fpr: float) -> dict:
    """Per rule: mean, spread, maximum of the realised rates, and the shares above fpr, 2 fpr."""
    summary = {}
    for rule in ("cross_fit_fpr", "copies_fpr", "halves_fpr"):
        v = np.array([r[rule] for r in rows])
        summary[rule] = {"mean": float(v.mean()), "std": float(v.std()), "max": float(v.max()),
                         "share_above_fpr": float((v > fpr).mean()),
                         "share_above_2x_fpr": float((v > 2 * fpr).mean())}
    return summary


def print_summary(rows: list[dict], summary: dict, guard_size: int) -> None:
    models = len({r["model"] for r in rows})
    splits = len({r["split"] for r in rows})
    print(f"\n{len(rows)} guards ({models} models x {splits} splits), "
          f"{guard_size} clean images each, held-out {rows[0]['held_out']}:")
    print("| rule | realised FPR mean | std | max | share > fpr | share > 2 fpr |")
    print("|---|---:|---:|---:|---:|---:|")
    for rule, s in summary.items():
        print(f"| {rule.removesuffix('_fpr')} | {s['mean']:.4f} | {s['std']:.4f} | {s['max']:.4f} "
              f"| {s['share_above_fpr']:.2f} | {s['share_above_2x_fpr']:.2f} |")
    cross_ms = 1e3 * np.mean([r["cross_fit_s_per_input"] for r in rows])
    copies_ms = 1e3 * np.mean([r["copies_s_per_input"] for r in rows])
    print(f"\nscoring ms per held-out image: cross-fit {cross_ms:.2f}, copies {copies_ms:.2f} "
          f"({copies_ms / cross_ms:.1f}x)")

if __name__ == "__main__":
    main()
