"""Issue 12, stop 70 (h12): the pooled misses read again under today's default, as one table by
kind (accuracy alone / ASR alone / both, as the day's default left them) and family: how many
still miss today, and how. Rows: ``mitigate_misses_s70_read.py``'s JSON lines; the day's rows:
a pooled ``today-*.json`` (``pool_default_rows.py``'s, each zoo under the default of its day).

    python benchmarks/mitigate_misses_s70_table.py POOLED.json ROWS.jsonl ...

A model in more than one ROWS file: the later file's row is read (the rows read again after
the stored ones), and whether the two agree is printed.
"""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

from _common import read_jsonl, run_main
from trojanscope.mitigate.zoo_eval import GOAL, GOAL_TOL, MitigationRow

KINDS = ("accuracy", "ASR", "both")


def kind(row: MitigationRow) -> str:
    """``ok``, or which side of issue 12's goal a backdoored row misses."""
    if row.meets_goal:
        return "ok"
    asr = (row.asr_after or 0.0) > GOAL["asr"] + GOAL_TOL
    ca = row.ca_before - row.ca_after > GOAL["ca_loss"] + GOAL_TOL
    return "both" if asr and ca else "ASR" if asr else "accuracy"


def as_row(r: dict) -> MitigationRow:
    """A ``mitigate_misses_s70_read.py`` line as a :class:`MitigationRow`."""
    return MitigationRow(r["model"], r["attack"], r["backdoored"], 200, r["ca_before"],
                         r["ca_after"], r["asr_before"], r["asr_after"], r["wall_s"], r["cpu_s"])


def main() -> None:
    if len(sys.argv) < 3:
        raise ValueError("usage: mitigate_misses_s70_table.py POOLED.json ROWS.jsonl ...")
    day = {r["name"]: MitigationRow(**r)
           for r in json.loads(Path(sys.argv[1]).read_text())["gated"]["rows"]}
    now: dict[str, MitigationRow] = {}
    same, differ = 0, []
    for p in sys.argv[2:]:  # a later file's row (read again) over an earlier's (stored)
        for r in read_jsonl(Path(p)):
            row = as_row(r)
            if r["model"] in now:
                was = now[r["model"]]
                if (abs(was.ca_after - row.ca_after) < 1e-4
                        and abs((was.asr_after or 0) - (row.asr_after or 0)) < 1e-4):
                    same += 1
                else:
                    differ.append(r["model"])
            now[r["model"]] = row
    if same or differ:
        print(f"read again and stored: {same} the same to 1e-4, differing: {differ or 'none'}")
    missed = [n for n in now if n in day and not day[n].meets_goal]
    print(f"{len(now)} models read again; {len(missed)} of them missed under their day's default")
    cells: dict[str, Counter] = defaultdict(Counter)
    fams: dict[str, Counter] = defaultdict(Counter)
    for n in missed:
        then, today = kind(day[n]), kind(now[n])
        cells[then][today] += 1
        fams[now[n].attack][f"{then}->{today}"] += 1
    print("\n| the day's miss | read again | at the goal today | accuracy | ASR | both |")
    print("|---|---|---|---|---|---|")
    for k in KINDS:
        c = cells[k]
        print(f"| {k} | {sum(c.values())} | {c['ok']} | {c['accuracy']} | {c['ASR']} | "
              f"{c['both']} |")
    total = Counter()
    for c in cells.values():
        total.update(c)
    print(f"| all | {sum(total.values())} | {total['ok']} | {total['accuracy']} | "
          f"{total['ASR']} | {total['both']} |")
    print("\n| family | read again | at the goal today | still accuracy | still ASR | both |")
    print("|---|---|---|---|---|---|")
    for fam in sorted(fams):
        c = Counter()
        for key, v in fams[fam].items():
            c[key.split("->")[1]] += v
        print(f"| {fam} | {sum(c.values())} | {c['ok']} | {c['accuracy']} | {c['ASR']} | "
              f"{c['both']} |")
    print("\nper model (the day's / today's: CA change in points, ASR after):")
    for n in sorted(missed):
        d, t = day[n], now[n]
        print(f"{n}: {100 * (d.ca_after - d.ca_before):+.2f} / {100 * (d.asr_after or 0):.2f}% "
              f"{kind(d)} -> {100 * (t.ca_after - t.ca_before):+.2f} / "
              f"{100 * (t.asr_after or 0):.2f}% {kind(t)}")
    others = sorted(n for n in now if n not in missed)
    if others:
        ok = sum(now[n].meets_goal for n in others)
        print(f"\nthe others read again (at the goal under their day's default): {ok} of "
              f"{len(others)} at the goal today; off it: "
              + ", ".join(f"{n} ({kind(now[n])})" for n in others if not now[n].meets_goal))


if __name__ == "__main__":
    run_main(main)
