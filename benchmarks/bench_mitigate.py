"""Every mitigation method side by side on an MNIST zoo: CA and ASR before/after, time.

Build the zoo first (see docs/benchmarks.md, "Mitigation (issue 12)"), then:

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/bench_mitigate.py ZOO --out OUT.json

Writes per-model rows and a summary per method (JSON) and prints a markdown table. Runs one
method after another in this process, single-threaded.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

import torch

from trojanscope import registry
from trojanscope.io.atomic import write_text_atomic
from trojanscope.mitigate.zoo_eval import run_mitigation_zoo, summarise


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("zoo", type=Path)
    ap.add_argument("--methods", default=",".join(registry.names("mitigation")))
    ap.add_argument("--holdout", type=float, default=0.8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)
    results = json.loads(args.out.read_text()) if args.out.exists() else {}
    for method in args.methods.split(","):
        if method in results:
            continue  # resumable: finished methods are kept

        def progress(row, i, n, method=method) -> None:
            asr = "" if row.asr_after is None else f" ASR {row.asr_before:.3f}->{row.asr_after:.3f}"
            print(f"{method} [{i}/{n}] {row.name}: CA {row.ca_before:.3f}->{row.ca_after:.3f}"
                  f"{asr} {row.elapsed_s:.1f}s", file=sys.stderr, flush=True)

        rows = run_mitigation_zoo(args.zoo, method, holdout=args.holdout, seed=args.seed,
                                  on_model=progress)
        results[method] = {"summary": summarise(rows), "rows": [asdict(r) for r in rows]}
        write_text_atomic(args.out, json.dumps(results, indent=2) + "\n")
    print(table(results))


def table(results: dict) -> str:
    """A markdown table: one line per method."""
    lines = ["| method | models meeting the goal | backdoored | clean | max ASR after | "
             "max CA loss (backdoored) | max CA loss (clean) | median time |",
             "|---|---|---|---|---|---|---|---|"]
    for method, res in results.items():
        s = res["summary"]
        lines.append(
            f"| {method} | {s['meets_goal']}/{s['models']} | {s['backdoored_meeting_goal']} | "
            f"{s['clean_meeting_goal']} | {s['max_asr_after']:.1%} | "
            f"{s['max_ca_loss_backdoored']:.1%} | {s['max_ca_loss_clean']:.1%} | "
            f"{s['median_s']:.1f} s |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
