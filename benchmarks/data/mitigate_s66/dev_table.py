"""Issue 12, stop 66 (h12): the development table of dev_second.py's rows: what each accuracy
repair on top of today's output gives on every backdoored model read, plain and under guards
on the method's own readings (the repair's copy where the guard keeps it, today's output
elsewhere); then the interpolation kept at the largest step whose readings stay under a bar;
then each model's row.

    python3 .../dev_table.py ROWS.jsonl...
"""
import json
import sys
from pathlib import Path

FLIP = 0.05  # teach_last.TEACH_FLIP: where teach_last fits (mixed_last does not)
STEPS = ("I0.1", "I0.2", "I0.3", "I0.5")


def goal(r: dict, m: dict) -> bool:
    """Issue 12's goal for a backdoored model: ASR <= 2% and CA loss <= 2 points."""
    return m["asr"] <= 0.02 + 1e-4 and (r["before"]["ca"] - m["ca"]) <= 0.02 + 1e-4


def shown(r: dict, m: dict) -> str:
    return (f"{(m['ca'] - r['before']['ca']) * 100:+.1f} / {m['asr'] * 100:.1f}% "
            f"{'ok' if goal(r, m) else 'MISS'}")


def kind(r: dict, m: dict) -> str:
    a = m["asr"] > 0.02 + 1e-4
    c = (r["before"]["ca"] - m["ca"]) > 0.02 + 1e-4
    return "both" if a and c else "asr" if a else "acc" if c else "ok"


def mixed(r: dict) -> bool:
    """mixed_last fitted today's output (teach_last did not)."""
    return (r.get("teach_flip") or 0) < FLIP


def no_rise(r: dict, m: dict, what: str, slack: float) -> bool:
    return m[what] <= r["today"][what] + slack + 1e-9


GUARDS = {
    "always": lambda r, m: True,
    "mixed": lambda r, m: mixed(r),
    "mixed,reach<=+0": lambda r, m: mixed(r) and no_rise(r, m, "reach", 0),
    "mixed,reach<=+0.01": lambda r, m: mixed(r) and no_rise(r, m, "reach", 0.01),
    "mixed,flip<=+0": lambda r, m: mixed(r) and no_rise(r, m, "flip", 0),
    "mixed,reach,flip<=+0": lambda r, m: (mixed(r) and no_rise(r, m, "reach", 0)
                                          and no_rise(r, m, "flip", 0)),
    "reach,flip<=+0": lambda r, m: no_rise(r, m, "reach", 0) and no_rise(r, m, "flip", 0),
}


def stepped(r: dict, guard) -> dict:
    """The interpolation at the largest step whose every smaller step the guard keeps too;
    today's output where none is kept."""
    best = r["today"]
    for k in STEPS:
        if k not in r or not guard(r, r[k]):
            break
        best = r[k]
    return best


def mean(v: list) -> str:
    return f"{sum(v) / len(v):+.2f}" if v else "-"


def line(rows: list, name: str, guard_name: str, pick) -> str:
    n, ok, gained, lost, turned, dca, dasr = 0, 0, [], [], 0, [], []
    for r in rows:
        m = pick(r)
        if m is not r["today"]:
            n += 1
            dca.append((m["ca"] - r["today"]["ca"]) * 100)
            dasr.append((m["asr"] - r["today"]["asr"]) * 100)
        ok += goal(r, m)
        if goal(r, m) and not goal(r, r["today"]):
            gained.append(r["model"])
            turned += kind(r, r["today"]) == "acc"
        if goal(r, r["today"]) and not goal(r, m):
            lost.append(r["model"])
    return (f"| {name} | {guard_name} | {n} | {ok} | {len(gained)}: {', '.join(gained) or '-'} "
            f"| {len(lost)}: {', '.join(lost) or '-'} | {turned} | {mean(dca)} | {mean(dasr)} |")


def main() -> None:
    rows = [json.loads(line) for f in sys.argv[1:]
            for line in Path(f).read_text().splitlines() if line.strip()]
    keys = [k for k in rows[0] if isinstance(rows[0][k], dict) and k not in
            ("before", "today", "today_row")]
    today_ok = sum(goal(r, r["today"]) for r in rows)
    kinds = [kind(r, r["today"]) for r in rows]
    print(f"backdoored read: {len(rows)}; today at the goal {today_ok}; misses: accuracy "
          f"{kinds.count('acc')}, ASR {kinds.count('asr')}, both {kinds.count('both')}\n")
    print("| repair | guard | applied | at the goal | gained | lost | acc misses turned | "
          "mean CA change (applied) | mean ASR change (applied) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for k in keys:
        for g, keep in GUARDS.items():
            print(line(rows, k, g, lambda r, k=k, keep=keep: r[k] if keep(r, r[k])
                       else r["today"]))
    for g, keep in GUARDS.items():
        print(line(rows, "I (largest step kept)", g, lambda r, keep=keep: stepped(r, keep)))
    print()
    print("| model | family | today (reach/flip/fit) | " + " | ".join(keys) + " |")
    print("|---|---|---|" + "---|" * len(keys))
    for r in rows:
        t = r["today"]
        cells = [f"{shown(r, r[k])} ({r[k]['reach']}/{r[k]['flip']}/{r[k]['fit']})"
                 for k in keys]
        print(f"| {r['model']} | {r['attack']} | {shown(r, t)} ({t['reach']}/{t['flip']}/"
              f"{t['fit']}) | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
