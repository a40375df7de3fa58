"""Issue 12, stop 63 (h12): the development table of dev_fresh.py's rows, and what each gate on
its readings would give (the unlearnt copy where the gate fires, today's output elsewhere).

    python3 .../dev_table.py ROWS.jsonl...
"""
import json
import sys
from pathlib import Path

KS = (1, 2, 4)
FLIP = 0.1  # fresh_last.FRESH_FLIP: the search only where the detector's trigger turns less


def goal(r: dict, m: dict) -> bool:
    """Issue 12's goal for a backdoored model: ASR <= 2% and CA loss <= 2 points (the rows
    round to 5 decimals; one image of 800 is 0.00125)."""
    return m["asr"] <= 0.02 + 1e-4 and (r["before"]["ca"] - m["ca"]) <= 0.02 + 1e-4


def shown(r: dict, m: dict) -> str:
    return (f"{(m['ca'] - r['before']['ca']) * 100:+.1f} / {m['asr'] * 100:.1f}% "
            f"{'ok' if goal(r, m) else 'MISS'}")


def main() -> None:
    rows = [json.loads(line) for f in sys.argv[1:]
            for line in Path(f).read_text().splitlines() if line.strip()]
    rows = [r for r in rows if r["backdoored"]]
    print("| model | family | today | " + " | ".join(f"U_{k}" for k in KS)
          + " | flip / twin | " + " | ".join(f"out_{k} / twin_{k}" for k in KS)
          + " | budget | CPU s today | extra CPU s (twin, search 1, unlearn 1) |")
    print("|---" * (6 + 2 * len(KS)) + "|")
    for r in rows:
        if "U_1" not in r:
            print(f"| {r['model']} | {r['attack']} | {shown(r, r['today'])} | "
                  + " | ".join("not run" for _ in KS) + " | - | " + " | ".join("-" for _ in KS)
                  + f" | - | {r['cpu_s']} | - |")
            continue
        print(f"| {r['model']} | {r['attack']} | {shown(r, r['today'])} | "
              + " | ".join(shown(r, r[f'U_{k}']) for k in KS)
              + f" | {r['flip']} / {r['flip_twin']} | "
              + " | ".join(f"{r[f'out_{k}']} / {r[f'twin_{k}']}" for k in KS)
              + f" | {r['budget']} | {r['cpu_s']} | {r['twin_s']}, {r['search_s_1']}, "
              f"{r['unlearn_s_1']} |")
    n = len(rows)
    base = sum(goal(r, r["today"]) for r in rows)
    print(f"\nbackdoored read: {n}; today at the goal {base}")
    for k in KS:
        for name, read in (("always", lambda r, k=k: 1.0),
                           (f"out_{k}-twin_{k}", lambda r, k=k: r[f"out_{k}"] - r[f"twin_{k}"]),
                           (f"out_{k}", lambda r, k=k: r[f"out_{k}"]),
                           (f"out_{k} (flip < {FLIP})",
                            lambda r, k=k: r[f"out_{k}"] if r["flip"] < FLIP else -1.0)):
            for bar in (0.0, 0.01, 0.02, 0.05, 0.1, 0.2) if name != "always" else (0.0,):
                got, gained, lost, fired = 0, [], [], 0
                for r in rows:
                    fire = "U_1" in r and read(r) >= bar and (name == "always" or read(r) > 0)
                    fired += fire
                    m = r[f"U_{k}"] if fire else r["today"]
                    ok, was = goal(r, m), goal(r, r["today"])
                    got += ok
                    if ok and not was:
                        gained.append(r["model"])
                    if was and not ok:
                        lost.append(r["model"])
                print(f"U_{k} where {name} >= {bar} (and > 0): fires on {fired}; at the goal "
                      f"{got}/{n} (today {base}); gained {gained}; lost {lost}")


if __name__ == "__main__":
    main()
