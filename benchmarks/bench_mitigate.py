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
from trojanscope.cli.common import parse_params
from trojanscope.io.atomic import write_text_atomic
from trojanscope.mitigate.zoo_eval import run_mitigation_zoo, summarise


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("zoo", type=Path)
    ap.add_argument("--methods", default=",".join(registry.names("mitigation")),
                    help="comma-separated methods; with variants, separate them by ';' "
                         "(e.g. 'ftsam:rho=5;ibau:radius=3')")
    ap.add_argument("--holdout", type=float, default=0.8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)
    results = json.loads(args.out.read_text()) if args.out.exists() else {}
    specs = args.methods.split(";") if ";" in args.methods else args.methods.split(",")
    for spec in filter(None, (s.strip() for s in specs)):
        method, _, rest = spec.partition(":")  # a variant: "ftsam:rho=5,epochs=30"
        params = parse_params(rest.split(",") if rest else [], "--methods")
        if spec in results:
            continue  # resumable: finished methods are kept

        def progress(row, i, n, method=spec) -> None:
            asr = "" if row.asr_after is None else f" ASR {row.asr_before:.3f}->{row.asr_after:.3f}"
            print(f"{method} [{i}/{n}] {row.name}: CA {row.ca_before:.3f}->{row.ca_after:.3f}"
                  f"{asr} {row.elapsed_s:.1f}s", file=sys.stderr, flush=True)

        rows = run_mitigation_zoo(args.zoo, method, params=params, holdout=args.holdout,
                                  seed=args.seed, on_model=progress)
        results[spec] = {"summary": summarise(rows), "rows": [asdict(r) for r in rows]}
        write_text_atomic(args.out, json.dumps(results, indent=2) + "\n")
    print(table(results))
    print()
    print(per_attack(results))


def table(results: dict) -> str:
    """A markdown table: one line per method."""
    lines = ["| method | models meeting the goal | backdoored | clean | median ASR after | "
             "max ASR after | max CA loss (backdoored) | max CA loss (clean) | median time |",
             "|---|---|---|---|---|---|---|---|---|"]
    for method, res in results.items():
        s = res["summary"]
        lines.append(
            f"| {method} | {s['meets_goal']}/{s['models']} | {s['backdoored_meeting_goal']} | "
            f"{s['clean_meeting_goal']} | {median_asr(res['rows']):.1%} | "
            f"{pct(s['max_asr_after'])} | "
            f"{pct(s['max_ca_loss_backdoored'])} | {pct(s['max_ca_loss_clean'])} | "
            f"{s['median_s']:.1f} s |"
        )
    return "\n".join(lines)


def pct(value: float | None) -> str:
    """A share as a percentage; "—" where a zoo has no model to take it from."""
    return "—" if value is None else f"{value:.1%}"


def per_attack(results: dict) -> str:
    """A markdown table: per method and attack, the worst ASR after and the worst CA change
    (negative: accuracy lost)."""
    attacks = sorted({r["attack"] or "clean" for res in results.values() for r in res["rows"]})
    lines = ["| method | " + " | ".join(attacks) + " |", "|---" * (len(attacks) + 1) + "|"]
    for method, res in results.items():
        cells = []
        for attack in attacks:
            rows = [r for r in res["rows"] if (r["attack"] or "clean") == attack]
            loss = max(r["ca_before"] - r["ca_after"] for r in rows)
            asr = [r["asr_after"] for r in rows if r["asr_after"] is not None]
            ca = f"CA {-loss:+.1%}"
            cells.append(f"ASR ≤ {max(asr):.1%}, {ca}" if asr else ca)
        lines.append(f"| {method} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def median_asr(rows: list[dict]) -> float:
    """Median ASR after mitigation over the backdoored models (recomputed from the rows, so
    results written by an earlier version of the summary print the same)."""
    import statistics

    return statistics.median([r["asr_after"] for r in rows if r["backdoored"]] or [0.0])


if __name__ == "__main__":
    main()
