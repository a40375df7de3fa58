"""Issue 12, stop 64 (h12): the development table of dev_accuracy.py's rows, and what each
repair gives on every backdoored model read, plain and under guards on the method's own readings
(the repaired copy where the guard keeps it, today's output elsewhere).

    python3 .../dev_table.py ROWS.jsonl...
"""
import json
import sys
from pathlib import Path

KEYS = ("R5", "K3", "K5", "K5L", "P5", "P5L", "I1", "I2")
RISE = 0.01  # back_distill.BACK_RISE: the reach may rise by one image of 180, not two
FLIP = 0.05  # the detector's reversed trigger's share on today's output (a gate, development)


def goal(r: dict, m: dict) -> bool:
    """Issue 12's goal for a backdoored model: ASR <= 2% and CA loss <= 2 points (the rows
    round to 5 decimals; one image of 800 is 0.00125)."""
    return m["asr"] <= 0.02 + 1e-4 and (r["before"]["ca"] - m["ca"]) <= 0.02 + 1e-4


def shown(r: dict, m: dict) -> str:
    return (f"{(m['ca'] - r['before']['ca']) * 100:+.1f} / {m['asr'] * 100:.1f}% "
            f"{'ok' if goal(r, m) else 'MISS'}")


def kind(r: dict) -> str:
    """'ok', 'acc' (accuracy alone), 'asr' (ASR alone) or 'both' for today's row."""
    m = r["today"]
    a = m["asr"] > 0.02 + 1e-4
    c = (r["before"]["ca"] - m["ca"]) > 0.02 + 1e-4
    return "both" if a and c else "asr" if a else "acc" if c else "ok"


GUARDS = {
    "always": lambda r, k: True,
    "reach<=+0.01": lambda r, k: r[k]["reach"] <= r["today_read"]["reach"] + RISE,
    "reach,flip<=+0.01": lambda r, k: (r[k]["reach"] <= r["today_read"]["reach"] + RISE
                                       and r[k].get("flip", 0) <= r["today_read"].get("flip", 0)
                                       + RISE),
    "reach<=+0.02": lambda r, k: r[k]["reach"] <= r["today_read"]["reach"] + 0.02,
    "reach<=+0.05": lambda r, k: r[k]["reach"] <= r["today_read"]["reach"] + 0.05,
    # the detector's reversed trigger still turns the output (SIG outputs at development)
    "flip>=0.05,reach<=+0.01": lambda r, k: (r["today_read"].get("flip", 0) >= FLIP
                                            and r[k]["reach"] <= r["today_read"]["reach"]
                                            + RISE),
    "flip>=0.05,reach<=+0.02": lambda r, k: (r["today_read"].get("flip", 0) >= FLIP
                                            and r[k]["reach"] <= r["today_read"]["reach"]
                                            + 0.02),
    "flip>=0.05": lambda r, k: r["today_read"].get("flip", 0) >= FLIP,
}


def mean(v: list) -> str:
    return f"{sum(v) / len(v):+.2f}" if v else "-"


def main() -> None:
    rows = [json.loads(line) for f in sys.argv[1:]
            for line in Path(f).read_text().splitlines() if line.strip()]
    rows = [r for r in rows if r["backdoored"]]
    print("| model | family | today | " + " | ".join(KEYS) + " | today reach / flip |")
    print("|---" * (4 + len(KEYS)) + "|")
    for r in rows:
        if "R5" not in r:
            print(f"| {r['model']} | {r['attack']} | {shown(r, r['today'])} | "
                  + " | ".join("not run" for _ in KEYS) + " | - |")
            continue
        cells = [f"{shown(r, r[k])} ({r[k]['reach']}/{r[k].get('flip', '-')})" for k in KEYS]
        print(f"| {r['model']} | {r['attack']} | {shown(r, r['today'])} | " + " | ".join(cells)
              + f" | {r['today_read']['reach']} / {r['today_read'].get('flip', '-')} |")
    n = len(rows)
    base = sum(goal(r, r["today"]) for r in rows)
    kinds = [kind(r) for r in rows]
    print(f"\nbackdoored read: {n}; today at the goal {base}; misses: accuracy "
          f"{kinds.count('acc')}, ASR {kinds.count('asr')}, both {kinds.count('both')}")
    print("\n| repair | guard | kept on | at the goal | gained | lost | acc misses turned "
          "| mean CA change (kept) | mean ASR change (kept) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for k in KEYS:
        for gname, guard in GUARDS.items():
            got, gained, lost, kept, dca, dasr = 0, [], [], 0, [], []
            for r in rows:
                use = k in r and guard(r, k)
                kept += use
                m = r[k] if use else r["today"]
                if use:
                    dca.append((m["ca"] - r["today"]["ca"]) * 100)
                    dasr.append((m["asr"] - r["today"]["asr"]) * 100)
                ok, was = goal(r, m), goal(r, r["today"])
                got += ok
                if ok and not was:
                    gained.append(r["model"])
                if was and not ok:
                    lost.append(r["model"])
            turned = sum(1 for r, kd in zip(rows, kinds, strict=True)
                         if kd == "acc" and r["model"] in gained)
            print(f"| {k} | {gname} | {kept} | {got} | {', '.join(gained) or '-'} | "
                  f"{', '.join(lost) or '-'} | {turned} | {mean(dca)} | {mean(dasr)} |")


if __name__ == "__main__":
    main()
