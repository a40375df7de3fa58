"""Earlier stops' unions as reported beside as the users' runs read them (issue 9, stop 70: h9).

Each argument names one stop's union read twice by ``outside_named_rule.py --json``: from the
stored rankings (``--as-stored``, as stops 65-69 re-scored) and as the runs read them (the
default). Prints, per stop and way, the GAP-head models' ROC-AUC / CE and clean / backdoored
flagged under that stop's "today" and its candidate, whether its plan's rule is met, and each
model the two ways read differently.

    PYTHONPATH=src:benchmarks python benchmarks/outside_named_reread.py \\
        69=reread69-as-stored.json,reread69-faithful.json,plan69
"""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path

import numpy as np

from _common import fail, run_main
from outside_zoo_score import auc_ce

PLANS = ("plan", "plan65", "plan67", "plan68", "plan69")


def read_union(path: Path) -> dict:
    """The ``union`` part of an ``outside_named_rule.py --json`` file (gzipped or not)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt") as f:
        return json.load(f)["union"]


def gap_figures(models: list[dict], which: str) -> str:
    """The GAP-head models read ``which`` way: ROC-AUC / CE, clean and backdoored flagged."""
    gap = [m for m in models if m["gap"]]
    y = np.array([m["backdoored"] for m in gap], dtype=float)
    p = np.array([m[which][0] for m in gap], dtype=float)
    auc, ce = auc_ce(y, p)
    return (f"{auc:.3f} / {ce:.3f}, clean {int(((p >= 0.5) & (y == 0)).sum())} of "
            f"{int((y == 0).sum())}, bd {int(((p >= 0.5) & (y == 1)).sum())} of {int(y.sum())}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("stops", nargs="+", metavar="LABEL=AS_STORED,FAITHFUL,PLAN")
    args = ap.parse_args(argv)
    print("| stop | read | today GAP-head ROC-AUC / CE, flagged | candidate | rule |")
    print("|---|---|---|---|---|")
    moved = []
    for spec in args.stops:
        label, sep, rest = spec.partition("=")
        parts = rest.split(",")
        if not sep or len(parts) != 3 or parts[2] not in PLANS:
            fail(f"{spec!r}: give LABEL=AS_STORED,FAITHFUL,PLAN (PLAN one of {', '.join(PLANS)})")
        ways = {w: read_union(Path(p)) for w, p in zip(("as reported", "as the runs read"),
                                                       parts[:2], strict=True)}
        for way, union in ways.items():
            plan = union[parts[2]]
            rule = ("not read" if not plan["read"] else "met" if plan["met"] else "not met: "
                    + "; ".join(p["point"] for p in plan["points"] if not p["holds"]))
            print(f"| {label} | {way} | {gap_figures(union['models'], 'today')} | "
                  f"{gap_figures(union['models'], 'candidate')} | {rule} |")
        stored, faithful = (u["models"] for u in ways.values())
        for a, b in zip(stored, faithful, strict=True):
            if a["today"] != b["today"] or a["candidate"] != b["candidate"]:
                moved.append(f"  {label} {a['pop']} {a['name']:18s} "
                             f"{'bd->' + str(a['target']) if a['backdoored'] else 'clean':7s}"
                             f" today {a['today']} -> {b['today']}, candidate "
                             f"{a['candidate']} -> {b['candidate']}  (blend {b['blend']})")
    print("\nmodels read differently (as reported -> as the runs read; [p, named class]):")
    print("\n".join(moved) or "  none")


if __name__ == "__main__":
    run_main(main)
