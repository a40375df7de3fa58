"""The development table of plan.md (issue 12, stop 60: h12) from ``dev_repair.py``'s outputs:
per model today's CA change / ASR on the 800 scored images, the stage-by-stage CA (the scored
800, for the diagnosis; and the 1,000 train-split images of ``pool``), each repair's CA change /
ASR, ``refit_last=5``'s figures (``distil5`` where the guard kept it or was not read, today's
where it refused), and
the counts at issue 12's goal (ASR <= 2%, CA loss <= 2 points).

    python dev_table.py dev-repair.json dev-repair2.json ... > dev-table.txt
"""

import json
import sys
from pathlib import Path

rows: dict = {}
for path in sys.argv[1:]:
    rows.update(json.loads(Path(path).read_text()))  # a later file's row replaces an earlier


def cell(r: dict, b: float) -> str:
    return f"{100 * (r['ca'] - b):+.1f} / {100 * (r.get('asr') or 0):.1f}%"


def goal(r: dict, b: float) -> bool:
    """Issue 12's goal with zoo_eval's tolerance (GOAL_TOL: 16 of 800 images can read
    0.0200000405)."""
    return (r.get("asr") or 0) <= 0.02 + 1e-6 and b - r["ca"] <= 0.02 + 1e-6


REPAIRS = ("trig2", "agree2", "sparse", "distil5", "distil10", "distil20")
print("| model | today | CA in -> first -> stages -> free -> out (scored 800) | pool (train) "
      "| " + " | ".join(REPAIRS) + " | refit_last=5 (guard) |")
print("|---" * (5 + len(REPAIRS)) + "|")
count = {"today": 0, "cand": 0, **{k: 0 for k in REPAIRS}}
seen = {k: 0 for k in REPAIRS}
gained, lost = [], []
for key, r in rows.items():
    b = r["before"]["ca"]
    t = r["test"]
    stages = " -> ".join(f"{100 * t[k]:.1f}" for k in ("in", "first", "stages", "free", "out")
                         if k in t)
    pool = " -> ".join(f"{100 * r['pool'][k]:.1f}" for k in ("in", "first", "stages", "free",
                                                                "out") if k in r["pool"])
    # the guard not read (the first part of the run): distil5's figures, the step as it would run
    # where the guard keeps it
    cand = r["distil5"] if r.get("guard_kept") is not False else r["after"]
    cells = []
    for k in REPAIRS:
        if k in r:
            seen[k] += 1
            count[k] += goal(r[k], b)
            cells.append(cell(r[k], b) + (" ✓" if goal(r[k], b) else ""))
        else:
            cells.append("")
    today_ok, cand_ok = goal(r["after"], b), goal(cand, b)
    count["today"] += today_ok
    count["cand"] += cand_ok
    if cand_ok and not today_ok:
        gained.append(key)
    if today_ok and not cand_ok:
        lost.append(key)
    kept = {True: "kept", False: "refused", None: "guard not read"}[r.get("guard_kept")]
    print(f"| {key} | {cell(r['after'], b)}{' ✓' if today_ok else ''} | {stages} | {pool} | "
          + " | ".join(cells) + f" | {cell(cand, b)}{' ✓' if cand_ok else ''} ({kept}) |")
print()
print(f"backdoored at the goal, of {len(rows)}: today {count['today']}, refit_last=5 "
      f"{count['cand']} (gained {gained}, lost {lost})")
for k in REPAIRS:
    print(f"  {k}: {count[k]} of the {seen[k]} it ran on")
