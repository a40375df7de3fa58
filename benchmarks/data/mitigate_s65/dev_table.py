"""Issue 12, stop 65 (h12): the development table of dev_teachers.py's rows: what each
candidate teacher's fit gives on every backdoored model read, plain and under guards on the
method's own readings (the candidate's copy where the guard keeps it, today's output
elsewhere); then each model's row.

    python3 .../dev_table.py ROWS.jsonl...
"""
import json
import sys
from pathlib import Path

FLIP = 0.05  # teach_last.TEACH_FLIP: where today's step fits (SIG outputs)
RISE = 0.01  # back_distill.BACK_RISE


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


def fired(r: dict) -> bool:
    return (r.get("teach_flip") or 0) >= FLIP


GUARDS = {
    "always": lambda r, k: True,
    "flip<0.05": lambda r, k: not fired(r),
    "flip<0.05,reach<=+0.01": lambda r, k: (not fired(r)
                                            and r[k]["reach"] <= r["start"]["reach"] + RISE),
    "flip<0.05,flip'<=+0.01": lambda r, k: (not fired(r)
                                            and r[k]["flip"] <= r["start"]["flip"] + RISE),
}


def mean(v: list) -> str:
    return f"{sum(v) / len(v):+.2f}" if v else "-"


def main() -> None:
    rows = [json.loads(line) for f in sys.argv[1:]
            for line in Path(f).read_text().splitlines() if line.strip()]
    keys = [k for k in rows[0] if isinstance(rows[0][k], dict) and k not in
            ("before", "today", "today_check", "start")]
    today_ok = sum(goal(r, r["today"]) for r in rows)
    kinds = [kind(r, r["today"]) for r in rows]
    print(f"backdoored read: {len(rows)}; today at the goal {today_ok}; misses: accuracy "
          f"{kinds.count('acc')}, ASR {kinds.count('asr')}, both {kinds.count('both')}\n")
    print("| candidate | guard | kept on | at the goal | gained | lost | acc misses turned | "
          "mean CA change (kept) | mean ASR change (kept) | median cpu s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for k in keys:
        cpus = sorted(r[f"{k}_cpu"] for r in rows)
        for g, keep in GUARDS.items():
            n, ok, gained, lost, turned, dca, dasr = 0, 0, [], [], 0, [], []
            for r in rows:
                m = r[k] if keep(r, k) else r["today"]
                if keep(r, k):
                    n += 1
                    dca.append((m["ca"] - r["today"]["ca"]) * 100)
                    dasr.append((m["asr"] - r["today"]["asr"]) * 100)
                ok += goal(r, m)
                if goal(r, m) and not goal(r, r["today"]):
                    gained.append(r["model"])
                    turned += kind(r, r["today"]) == "acc"
                if goal(r, r["today"]) and not goal(r, m):
                    lost.append(r["model"])
            print(f"| {k} | {g} | {n} | {ok} | {', '.join(gained) or '-'} | "
                  f"{', '.join(lost) or '-'} | {turned} | {mean(dca)} | {mean(dasr)} | "
                  f"{cpus[len(cpus) // 2]:.2f} |")
    print()
    print("| model | family | today | flip | " + " | ".join(keys) + " |")
    print("|---|---|---|---|" + "---|" * len(keys))
    for r in rows:
        cells = [f"{shown(r, r[k])} ({r[k]['reach']}/{r[k]['flip']})" for k in keys]
        print(f"| {r['model']} | {r['attack']} | {shown(r, r['today'])} | "
              f"{r.get('teach_flip')} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
