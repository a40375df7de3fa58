"""Markdown table of ABL runs from ``bench_robust_training.py`` JSON files (issue 12, stop 49:
ABL all-to-all): per run CA, CA loss against the file's clean training, ASR, the isolation
pool / the part unlearnt, the pooled samples ``pool_check`` left out (stop 50), the majority
share, poison among the unlearnt, time, and whether the run meets the issue's figure (ASR <= 2%,
CA within 2 points).

    python benchmarks/abl_auto_table_s49.py benchmarks/data/robust_s49e/fresh_seed45.json [...]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def table(paths: list[Path]) -> list[str]:
    """One header and one line per ABL run of every file."""
    lines = ["| seed (target) | mapping | attack | defence | CA | CA loss | ASR | pool / unlearnt "
             "| left out | majority share | poison among unlearnt | time | figure |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for path in paths:
        data = json.loads(path.read_text())
        ref = data["rows"][0]["ca"]
        for r in data["rows"][1:]:
            d, f = r.get("details") or {}, r.get("flagged") or {}
            loss = 100 * (ref - r["ca"])
            met = r["asr"] <= 0.02 and loss <= 2.0
            lines.append(
                f"| {data['seed']} ({data['target']}) | {r['mapping']} | {r['attack']} | "
                f"{r['defence']} | {r['ca']:.2%} | {loss:.1f} pt | {r['asr']:.2%} | "
                f"{d.get('isolation_flagged', '—')} / {d.get('isolated', '—')} | "
                f"{d.get('pool_agreed', '—')} | "
                f"{d.get('majority_share', '—')} | "
                f"{f.get('poison_found', '—')} / {f.get('poison_total', '—')} | "
                f"{r['seconds']:.0f} s | {'met' if met else '**missed**'} |")
        lines.append(f"| {data['seed']} | clean training | | | {ref:.2%} | | | | | | | "
                     f"{data['rows'][0]['seconds']:.0f} s | |")
    return lines


if __name__ == "__main__":
    print("\n".join(table([Path(p) for p in sys.argv[1:]])))
