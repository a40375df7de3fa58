"""The input model's faint-blend reading as the gate of the capped fit (issue 12, stop 68: h12):
per development model, ``cap10`` (stop 67's rows: ``repair_last``'s fit, the same computation)
or ``capfb10`` (``dev_gate_read.py``) where ``mixed_last`` fitted today's output and the input
model's blend reading at opacity A (``b05``, ``b10``, ``b15``) is at least B, today's output
elsewhere; counted at issue 12's goal against today, with the models gained and lost and the
count per family. First the readings per family (which family each bar lets through).

    python3 .../dev_gate_table.py KEEP_DIR... -- GATE_ROWS.jsonl -- S67_ROWS.jsonl
"""
import json
import statistics
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "mitigate_s67"))
from dev_gate import at_goal, fitted_models

FAMILIES = ("badnets", "blended", "sig", "sparse", "wanet")
READS = ("b05", "b10", "b15")
BARS = (0.5, 0.7, 0.8, 0.9, 0.95, 0.97, 1.0)


def main() -> None:
    a, b = [i for i, x in enumerate(sys.argv) if x == "--"]
    fitted = fitted_models(sys.argv[1:a])
    gate = {r["model"]: r for p in sys.argv[a + 1:b]
            for line in Path(p).read_text().splitlines() if line.strip()
            for r in [json.loads(line)]}
    rows = [r for p in sys.argv[b + 1:] for line in Path(p).read_text().splitlines()
            if line.strip() for r in [json.loads(line)] if r["model"] in gate]
    for r in rows:
        g = gate[r["model"]]
        r.update({k: g[k] for k in READS}, capfb10=g["capfb10"])
    today = {r["model"] for r in rows if at_goal(r["came"], r["today"])}
    print(f"{len(rows)} models, mixed_last fitted {sum(r['model'] in fitted for r in rows)}, "
          f"today at the goal {len(today)}")
    print("\n| reading on the input model | " + " | ".join(FAMILIES) + " | median CPU |")
    print("|---" * (2 + len(FAMILIES)) + "|")
    for k in READS:
        cells = []
        for f in FAMILIES:
            v = sorted(r[k] for r in rows if r["attack"] == f)
            if not v:
                cells.append("-")
                continue
            cells.append(f"{v[0]:.2f}-{v[-1]:.2f} (median {statistics.median(v):.2f})")
        cpu = statistics.median(gate[r["model"]][f"cpu_{k}"] for r in rows)
        print(f"| {k} | " + " | ".join(cells) + f" | {cpu:.3f} s |")
    print("\n| fit | gate | applied (families) | at the goal | gained | lost | per family "
          "(B/bl/SIG/sp/W) |")
    print("|---|---|---|---|---|---|---|")
    gates = {"fitted": lambda r: r["model"] in fitted,
             "fitted&blended (the family: not a reading)":
                 lambda r: r["model"] in fitted and r["attack"] == "blended"}
    for k in READS:
        for bar in BARS:
            gates[f"fitted&{k}>={bar}"] = lambda r, k=k, bar=bar: (r["model"] in fitted
                                                                  and r[k] >= bar - 1e-9)
    for fit in ("cap10", "capfb10"):
        for gname, g in gates.items():
            goal, fams = set(), Counter()
            for r in rows:
                out = r["today"]
                if g(r):
                    out = r[fit]
                    fams[r["attack"]] += 1
                if at_goal(r["came"], out):
                    goal.add(r["model"])
            per = Counter(r["attack"] for r in rows if r["model"] in goal)
            gained, lost = sorted(goal - today), sorted(today - goal)
            applied = sum(fams.values())
            print(f"| {fit} | {gname} | {applied} ("
                  + "/".join(str(fams[f]) for f in FAMILIES) + f") | {len(goal)} | "
                  f"{len(gained)}: {', '.join(gained) or '-'} | {len(lost)}: "
                  f"{', '.join(lost) or '-'} | " + "/".join(str(per[f]) for f in FAMILIES)
                  + " |")
    print("\nper model: readings on the input model | today | cap10 | capfb10")
    for r in sorted(rows, key=lambda r: (r["attack"], r["model"])):
        def cell(o, r=r):
            ok = "ok" if at_goal(r["came"], o) else "MISS"
            return f"{100 * (o['ca'] - r['came']['ca']):+.1f}/{100 * o['asr']:.1f}% {ok}"
        print(f"{r['model']}{'' if r['model'] in fitted else ' (not fitted)'} "
              + " ".join(f"{k} {r[k]:.2f}" for k in READS)
              + f" | today {cell(r['today'])} | cap10 {cell(r['cap10'])} | "
              f"capfb10 {cell(r['capfb10'])}")


if __name__ == "__main__":
    main()
