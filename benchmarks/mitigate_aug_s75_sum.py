"""Issue 12, stop 75 (h12; development): each ``aug_last`` variant against today's output on the
development rows ``mitigate_aug_s75_dev.py`` wrote (the 800 held-out images): backdoored models
at issue 12's goal, those gained and lost, ASR rises of more than a point, ASRs crossing 2%,
the goal by family and the variant's CPU (median, on top of today's run).

    python benchmarks/mitigate_aug_s75_sum.py ROWS.jsonl ... [--only-variant TEXT]
"""

from __future__ import annotations

import argparse
import statistics
from collections import defaultdict
from pathlib import Path

from _common import read_jsonl, run_main

TOL = 1e-4  # the goal read float32-safe, as zoo_eval does


def at_goal(ca_before: float, ca: float, asr: float | None) -> bool:
    """Issue 12's goal: ASR at most 2% and at most 2 points of CA lost."""
    return (asr or 0.0) <= 0.02 + 1e-6 and ca >= ca_before - 0.02 - TOL


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rows", nargs="+", type=Path)
    ap.add_argument("--only-variant", default=None)
    args = ap.parse_args()
    merged: dict[str, dict] = {}
    for path in args.rows:
        for row in read_jsonl(path):
            merged.setdefault(row["name"], {}).update(row)
    variants = sorted({k for r in merged.values() for k, v in r.items()
                       if isinstance(v, dict) and k != "today"})
    if args.only_variant:
        variants = [v for v in variants if v == args.only_variant]
    for v in variants:
        rows = [r for r in merged.values() if isinstance(r.get(v), dict)]
        fam_t: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        gained, lost, risen, crossed, cpu = [], [], [], [], []
        for r in sorted(rows, key=lambda r: r["name"]):
            t, c = r["today"], r[v]
            ok_t = at_goal(t["ca_before"], t["ca"], t["asr"])
            ok_c = at_goal(t["ca_before"], c["ca"], c["asr"])
            f = fam_t[r["family"]]
            f[0] += 1
            f[1] += ok_t
            f[2] += ok_c
            if ok_c and not ok_t:
                gained.append(r["name"])
            if ok_t and not ok_c:
                lost.append(r["name"])
            if (c["asr"] or 0) > (t["asr"] or 0) + 0.01:
                risen.append(r["name"])
            if (t["asr"] or 0) <= 0.02 + 1e-9 < (c["asr"] or 0) - 1e-9:
                crossed.append(f"{r['name']} {100 * t['asr']:.2f}->{100 * c['asr']:.2f}%")
            cpu.append(c["cpu_s"])
        n_t = sum(f[1] for f in fam_t.values())
        n_c = sum(f[2] for f in fam_t.values())
        print(f"{v}: {n_c}/{len(rows)} at the goal against today's {n_t}; gained {gained}; "
              f"lost {lost}; ASR up > 1 point {risen}; crossed 2% {crossed}; the step's CPU "
              f"median {statistics.median(cpu):.1f} s (max {max(cpu):.1f})")
        print("   by family (today -> variant): " + ", ".join(
            f"{k} {f[1]}->{f[2]}/{f[0]}" for k, f in sorted(fam_t.items())))


if __name__ == "__main__":
    run_main(main)
