"""Development table for `gated:dense_epochs=N` (issue 12, stop 61: h12): every model of zoos
2461 and 2462 read by dev.sh (``dev-SEEDPART.json``, the candidate's rows) against today's
default's rows for the same models from stop 60 (``mitigate_s60/fresh-SEED.json``, the same
seed and split; dev.sh's first run checks that today's run reproduces one of them). One line
per model (family, CA change and ASR both ways, goal marks, time), then the counts at issue
12's goal and the median times (today's measured at stop 60's load, 8-10). With ``fresh``
the same table for the fresh zoos 2463/2464, both rows from ``fresh-SEED.json`` (rule.sh's
joined parts: the two runs of a model one after the other, at the same load).

    cd benchmarks/data/mitigate_s61
    python dev_table.py N > dev-table.txt
    python dev_table.py N fresh > fresh-table.txt
"""

import json
import statistics
import sys
from pathlib import Path

from trojanscope.mitigate.zoo_eval import MitigationRow

N = sys.argv[1] if len(sys.argv) > 1 else "20"
HERE = Path(__file__).parent
S60 = HERE.parent / "mitigate_s60"
cand_key = f"gated:dense_epochs={N}"
FRESH = len(sys.argv) > 2 and sys.argv[2] == "fresh"
pairs = []
for seed in ("2463", "2464") if FRESH else ():
    path = HERE / f"fresh-{seed}.json"
    if path.is_file():
        got = json.loads(path.read_text())
        today = {r["name"]: MitigationRow(**r) for r in got["gated"]["rows"]}
        pairs += [(f"{seed}/{r['name']}", today[r["name"]], MitigationRow(**r))
                  for r in got[cand_key]["rows"] if r["name"] in today]
for seed in () if FRESH else ("2461", "2462"):
    today = {r["name"]: MitigationRow(**r)
             for r in json.loads((S60 / f"fresh-{seed}.json").read_text())["gated"]["rows"]}
    for part in ("a", "b"):
        path = HERE / f"dev-{seed}{part}.json"
        if not path.is_file():
            continue
        for r in json.loads(path.read_text())[cand_key]["rows"]:
            c, t = MitigationRow(**r), today[r["name"]]
            pairs.append((f"{seed}/{c.name}", t, c))


def cell(m: MitigationRow) -> str:
    asr = "-" if m.asr_after is None else f"{100 * m.asr_after:.1f}%"
    mark = " ok" if (m.meets_goal if m.backdoored else m.ca_before - m.ca_after <= 0.01 + 1e-9) \
        else " MISS"
    return f"{100 * (m.ca_after - m.ca_before):+.1f} / {asr}{mark}"


WHEN = "" if FRESH else " (stop 60)"
print(f"| model | family | today{WHEN} | {cand_key} | time today / candidate |")
print("|---|---|---|---|---|")
for name, t, c in pairs:
    print(f"| {name} | {c.attack or 'clean'} | {cell(t)} | {cell(c)} | "
          f"{t.elapsed_s:.0f} / {c.elapsed_s:.0f} s |")
bad = [(t, c) for _, t, c in pairs if t.backdoored]
good = [(t, c) for _, t, c in pairs if not t.backdoored]
tg, cg = sum(t.meets_goal for t, _ in bad), sum(c.meets_goal for _, c in bad)
gained = [n for n, t, c in pairs if t.backdoored and c.meets_goal and not t.meets_goal]
lost = [n for n, t, c in pairs if t.backdoored and t.meets_goal and not c.meets_goal]
print(f"\nbackdoored at the goal: today {tg}/{len(bad)}, candidate {cg}/{len(bad)}; "
      f"gained {gained}; lost {lost}")
print(f"clean kept (<= 1 point): today {sum(t.ca_before - t.ca_after <= 0.01 for t, _ in good)}"
      f"/{len(good)}, candidate {sum(c.ca_before - c.ca_after <= 0.01 for _, c in good)}"
      f"/{len(good)}")
dca = [100 * ((c.ca_after - c.ca_before) - (t.ca_after - t.ca_before)) for t, c in bad]
if dca:
    print(f"candidate minus today, CA change on backdoored (points): mean "
          f"{statistics.mean(dca):+.2f}, median {statistics.median(dca):+.2f}, "
          f"min {min(dca):+.1f}, max {max(dca):+.1f}")
if pairs:
    print(f"median time: today {statistics.median(t.elapsed_s for _, t, _ in pairs):.1f} s "
          f"({'the same run' if FRESH else 'stop 60, load 8-10'}), candidate "
          f"{statistics.median(c.elapsed_s for _, _, c in pairs):.1f} s (this run)")
