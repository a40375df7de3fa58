"""Tabular attacks over model seeds (issue 16, stop 33c): per data set, arch and attack, the
ASR's range, how many seeds reach 0.95, and the clean cost against the same seed's clean model,
from the JSON of ``bench_tabular_attacks.py --seeds ... --json``.

    python benchmarks/tabular_attack_seeds.py RUN.json...
"""

from __future__ import annotations

import argparse
import collections
import json
import statistics
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", nargs="+")
    args = ap.parse_args()
    rows = [r for path in args.runs for r in json.loads(Path(path).read_text())]
    clean = {(r["dataset"], r["arch"], r["seed"]): r for r in rows if r["attack"] is None}
    by: dict[tuple, list[dict]] = collections.defaultdict(list)
    for r in rows:
        if r["attack"] is not None:
            by[(r["dataset"], r["arch"], r["attack"])].append(r)
    print(
        "| data | arch | attack | seeds | poison (share of train) | ASR min / median / max "
        "| seeds ASR ≥ 0.95 | CA change: worst / mean (points) | AUC change: worst / mean |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for (ds, arch, attack), group in by.items():
        asr = [r["attack_success_rate"] for r in group]
        ca = [
            100 * (r["clean_accuracy"] - clean[(ds, arch, r["seed"])]["clean_accuracy"])
            for r in group
        ]
        auc = [100 * (r["clean_auc"] - clean[(ds, arch, r["seed"])]["clean_auc"]) for r in group]
        share = group[0]["poison_share"]
        print(
            f"| {ds} | {arch} | {attack} | {len(group)} | {group[0]['poison']} ({share:.2%}) "
            f"| {min(asr):.3f} / {statistics.median(asr):.3f} / {max(asr):.3f} "
            f"| {sum(a >= 0.95 for a in asr)}/{len(asr)} | {min(ca):+.1f} / "
            f"{statistics.mean(ca):+.1f} | {min(auc):+.1f} / {statistics.mean(auc):+.1f} |"
        )


if __name__ == "__main__":
    main()
