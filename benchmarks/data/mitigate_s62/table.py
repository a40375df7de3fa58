"""Per-model table for issue 12, stop 62 (h12): today's `gated` and the candidate, one line per
model (family, CA change in points and ASR both ways with the goal marks, wall and CPU
seconds), then the counts at issue 12's goal (gained, lost), clean kept, and the median wall
and CPU times. ``fresh``: the rows of ``check_trigger_last.py`` (FILE:LABEL for each zoo).
``dev``: the rows of ``dev_trigger.py`` (``dev.jsonl``: today's, the candidate's and the other
last steps' figures, with the readings), its at-goal count per step and per gate bar.

    python table.py fresh gated:trigger_last=5 fresh-2465.json:2465 fresh-2466.json:2466
    python table.py dev dev.jsonl
"""

import json
import statistics
import sys
from pathlib import Path

from trojanscope.mitigate.zoo_eval import MitigationRow


def mark(m: MitigationRow) -> str:
    ok = m.meets_goal if m.backdoored else m.ca_before - m.ca_after <= 0.01 + 1e-9
    return "ok" if ok else "MISS"


def cell(m: MitigationRow) -> str:
    asr = "-" if m.asr_after is None else f"{100 * m.asr_after:.1f}%"
    return f"{100 * (m.ca_after - m.ca_before):+.1f} / {asr} {mark(m)}"


def secs(m: MitigationRow) -> str:
    cpu = "-" if m.cpu_s is None else f"{m.cpu_s:.0f}"
    return f"{m.elapsed_s:.0f} / {cpu}"


def counts(pairs: list[tuple[str, MitigationRow, MitigationRow]], cand: str) -> None:
    bad = [(n, t, c) for n, t, c in pairs if t.backdoored]
    good = [(n, t, c) for n, t, c in pairs if not t.backdoored]
    gained = [n for n, t, c in bad if c.meets_goal and not t.meets_goal]
    lost = [n for n, t, c in bad if t.meets_goal and not c.meets_goal]
    print(f"\nbackdoored at the goal: today {sum(t.meets_goal for _, t, _ in bad)}/{len(bad)}, "
          f"{cand} {sum(c.meets_goal for _, _, c in bad)}/{len(bad)}; gained {gained}; "
          f"lost {lost}")
    print(f"clean kept (<= 1 point): today {sum(mark(t) == 'ok' for _, t, _ in good)}/"
          f"{len(good)}, candidate {sum(mark(c) == 'ok' for _, _, c in good)}/{len(good)}")
    for who, k in (("today", 1), ("candidate", 2)):
        rows = [p[k] for p in pairs]
        cpu = [r.cpu_s for r in rows if r.cpu_s is not None]
        print(f"median {who}: wall {statistics.median(r.elapsed_s for r in rows):.1f} s, CPU "
              + (f"{statistics.median(cpu):.1f} s" if cpu else "-") + f" ({len(rows)} models)")


def fresh(cand: str, parts: list[str]) -> None:
    pairs = []
    for part in parts:
        path, _, label = part.rpartition(":")
        if not Path(path).is_file():
            continue
        got = json.loads(Path(path).read_text())
        today = {r["name"]: MitigationRow(**r) for r in got["gated"]["rows"]}
        pairs += [(f"{label}/{r['name']}", today[r["name"]], MitigationRow(**r))
                  for r in got[cand]["rows"] if r["name"] in today]
    print(f"| model | family | today | {cand} | wall / CPU s today | wall / CPU s candidate |")
    print("|---|---|---|---|---|---|")
    for name, t, c in pairs:
        print(f"| {name} | {t.attack or 'clean'} | {cell(t)} | {cell(c)} | {secs(t)} | "
              f"{secs(c)} |")
    counts(pairs, cand)


def _row(d: dict, fig: dict, wall: float, cpu: float) -> MitigationRow:
    return MitigationRow(d["model"], d["attack"], d["backdoored"], 200, d["before"]["ca"],
                         fig["ca"], d["before"]["asr"], fig["asr"], wall, cpu)


def dev(path: str) -> None:
    rows = [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]
    steps = ("cand", "T5L", "T2", "F8")
    print("| model | family | today | trigger_last=5 | T5L | T2 | F8 | flip / flip_in / rise / "
          "reach | wall / CPU s today | step s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    table = {}
    for d in rows:
        wall, cpu = d["wall_s"], d["cpu_s"]
        t = _row(d, d["today"], wall, cpu)
        figs = {s: _row(d, d[s] if s in d else d["today"], wall + d["step_s"],
                        cpu + d["step_cpu_s"]) for s in steps if s in d or "flip" not in d}
        table[d["model"]] = (t, figs, d)
        read = " / ".join(str(d.get(k, "-")) for k in ("flip", "flip_in", "rise", "reach"))
        print(f"| {d['model']} | {d['attack']} | {cell(t)} | "
              + " | ".join(cell(figs[s]) if s in figs else "not read" for s in steps)
              + f" | {read} | {secs(t)} | {d['step_s']:.1f} |")
    for s in steps:  # T2 was added after the first model (2461/sig-007): counted without it
        counts([(n, t, f[s]) for n, (t, f, _) in table.items() if s in f], s)
    for step in ("cand", "F8"):
        print(f"\n{step} where the reading is at least the bar (else today's):")
        for key in ("flip", "rise", "reach"):
            for bar in (0.0, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5):
                got = [(n, t, f[step] if (d.get(key) or 0.0) >= bar and "flip" in d else t)
                       for n, (t, f, d) in table.items()]
                bad = [(n, t, c) for n, t, c in got if t.backdoored]
                fired = sum(1 for _, _, d in table.values()
                            if "flip" in d and (d.get(key) or 0.0) >= bar)
                print(f"  {key} >= {bar}: fires on {fired}; at the goal "
                      f"{sum(c.meets_goal for _, _, c in bad)}/{len(bad)} (today "
                      f"{sum(t.meets_goal for _, t, _ in bad)}); gained "
                      f"{[n for n, t, c in bad if c.meets_goal and not t.meets_goal]}; lost "
                      f"{[n for n, t, c in bad if t.meets_goal and not c.meets_goal]}")

if __name__ == "__main__":
    if sys.argv[1] == "fresh":
        fresh(sys.argv[2], sys.argv[3:])
    else:
        dev(sys.argv[2])
