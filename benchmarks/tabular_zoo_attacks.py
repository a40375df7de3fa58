"""A tabular zoo's backdoors and clean cost per architecture, from ``truth.json`` (issue 16,
stop 33c): clean models' accuracy; backdoored models' status (``zoo.status``), ASR, flip rate,
poison rate and accuracy; and how many were retried stronger (a seed not the one
``zoo.draw_entries`` drew, given the zoo's recipe flags).

    PYTHONPATH=src python benchmarks/tabular_zoo_attacks.py ZOO... \
        [--arch-variants] [--tree-subsample F]
"""

from __future__ import annotations

import argparse
import json
import statistics
from collections import Counter
from pathlib import Path

from trojanscope.data import load_dataset
from trojanscope.zoo import draw_entries, read_truth, status, zoo_attacks


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("zoos", nargs="+")
    ap.add_argument("--arch-variants", action="store_true")
    ap.add_argument("--tree-subsample", type=float, default=None)
    args = ap.parse_args()
    print(
        "| zoo | arch | clean CA mean (min) | backdoored: status | ASR min / median "
        "| flip rate min | poison rate | CA mean (min) | retried |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for zoo in args.zoos:
        dataset, entries = read_truth(zoo)
        seed = json.loads((Path(zoo) / "truth.json").read_text())["seed"]
        archs = list(dict.fromkeys(e.arch for e in sorted(entries, key=lambda e: e.name)))
        n_clean = sum(not e.backdoored for e in entries)
        drawn = {
            e.name: e
            for e in draw_entries(
                n_clean,
                len(entries) - n_clean,
                load_dataset(dataset, "test").num_classes,
                seed,
                attacks=zoo_attacks("tabular"),
                archs=archs,
                arch_variants=args.arch_variants,
                tree_subsample=args.tree_subsample,
            )
        }
        for arch in sorted({e.arch for e in entries}):
            clean = [
                e.metrics["clean_accuracy"] for e in entries if e.arch == arch and not e.backdoored
            ]
            bad = [e for e in entries if e.arch == arch and e.backdoored]
            if not bad:
                print(
                    f"| {Path(zoo).name} | {arch} | {statistics.mean(clean):.3f} "
                    f"({min(clean):.3f}) | – | – | – | – | – | – |"
                )
                continue
            states = ", ".join(f"{n} {s}" for s, n in sorted(Counter(map(status, bad)).items()))
            asr = [e.metrics["attack_success_rate"] for e in bad]
            flips = [e.metrics.get("flip_rate") or 0.0 for e in bad]
            ca = [e.metrics["clean_accuracy"] for e in bad]
            rates = [e.poison_rate for e in bad]
            retried = sum(e.seed != drawn[e.name].seed for e in bad if e.name in drawn)
            print(
                f"| {Path(zoo).name} | {arch} | {statistics.mean(clean):.3f} ({min(clean):.3f}) "
                f"| {len(bad)}: {states} | {min(asr):.3f} / {statistics.median(asr):.3f} "
                f"| {min(flips):.3f} | {min(rates):.3f}–{max(rates):.3f} "
                f"| {statistics.mean(ca):.3f} ({min(ca):.3f}) | {retried} |"
            )


if __name__ == "__main__":
    main()
