"""Two defaults decided separately, read together: one zoo's rows of the default before
either change, of the candidate its rule was read on, and of the merged default, per model.

Each rule compared a candidate with a default that lacked the other change; this prints, per
model, where the merged default differs from the candidate's own rows and the at-goal counts
of all three, so the joint default is a measured figure and not an assumed sum.

    python benchmarks/joint_mitigate_rows.py HELPER.json CANDIDATE JOINT.json [--label 2423]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from trojanscope.mitigate.zoo_eval import MitigationRow


def at_goal(row: dict) -> bool:
    """Issue 12's goal for one model, as every mitigation benchmark reads it."""
    return MitigationRow(**row).meets_goal


def cell(row: dict) -> str:
    """``CA drop / ASR after`` in points and percent."""
    loss = 100 * (row["ca_before"] - row["ca_after"])
    asr = "–" if row["asr_after"] is None else f"{100 * row['asr_after']:.2f}%"
    return f"{-loss:+.2f} / {asr}" + (" ✓" if at_goal(row) else "")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("helper", type=Path, help="bench_mitigate.py JSON with 'gated' and CANDIDATE")
    ap.add_argument("candidate", help="the candidate's method key in HELPER")
    ap.add_argument("joint", type=Path, help="bench_mitigate.py JSON of the merged default")
    ap.add_argument("--label", default="")
    args = ap.parse_args()
    helper, joint = json.loads(args.helper.read_text()), json.loads(args.joint.read_text())
    before = {r["name"]: r for r in helper["gated"]["rows"]}
    cand = {r["name"]: r for r in helper[args.candidate]["rows"]}
    merged = {r["name"]: r for r in joint["gated"]["rows"]}
    if set(before) != set(merged) or set(cand) != set(merged):
        raise SystemExit("error: the files do not hold the same models")
    print(f"| {args.label} model | before: CA / ASR | {args.candidate} | merged default |")
    print("|---|---|---|---|")
    for name in sorted(merged):
        b, c, m = before[name], cand[name], merged[name]
        same = abs(c["ca_after"] - m["ca_after"]) < 1e-9 and c["asr_after"] == m["asr_after"]
        if not same or at_goal(b) != at_goal(m):
            print(f"| {name} | {cell(b)} | {cell(c)} | {cell(m)} |")
    for what, rows in (("before", before), (args.candidate, cand), ("merged", merged)):
        bd = [r for r in rows.values() if r["backdoored"]]
        print(f"{args.label} {what}: at goal {sum(map(at_goal, rows.values()))}/{len(rows)}, "
              f"backdoored {sum(map(at_goal, bd))}/{len(bd)}")


if __name__ == "__main__":
    main()
