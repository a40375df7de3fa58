"""Issue 12, stop 66 (h12): the development table of dev_suspect.py's rows: the restoring fit
(``resN``) under guards on the method's readings, and the suspect's bias raised by the largest
step of the grid whose readings stay under a bar (each step up to it too), against today's
output; then each model's row. ``mixed``: only where ``mixed_last`` fitted (teach_last's reading
below 0.05).

    python3 .../dev_suspect_table.py ROWS.jsonl...
"""
import json
import sys
from pathlib import Path

from dev_table import GUARDS, goal, kind, line, mixed, no_rise, shown

BIASES = ("b0.25", "b0.5", "b0.75", "b1.0", "b1.5", "b2.0", "b3.0")


def biased(r: dict, guard, upto: bool) -> dict:
    """The largest bias step the guard keeps (each smaller step kept too); with ``upto`` no
    step past the first whose suspect recall on the shifted copies reaches the input model's;
    today's output where none is kept."""
    best = r["today"]
    if not mixed(r):
        return best
    for k in BIASES:
        if not guard(r, r[k]):
            break
        best = r[k]
        if upto and r[k]["shift_sus"] >= r["came"]["shift_sus"]:
            break
    return best


BIAS_GUARDS = {
    "reach<=+0": lambda r, m: no_rise(r, m, "reach", 0),
    "reach<=+0.01": lambda r, m: no_rise(r, m, "reach", 0.01),
    "reach,flip<=+0": lambda r, m: no_rise(r, m, "reach", 0) and no_rise(r, m, "flip", 0),
    "reach<=+0.01,flip<=+0": lambda r, m: (no_rise(r, m, "reach", 0.01)
                                           and no_rise(r, m, "flip", 0)),
}


def dropped(r: dict, d: float) -> bool:
    """The gate: today's accuracy on the shifted copies of the method's clean images at least
    ``d`` below the input model's there (and mixed_last fitted)."""
    return mixed(r) and r["today"]["shift_acc"] <= r["came"]["shift_acc"] - d + 1e-9


def best_shift(r: dict) -> dict:
    """The lift (0 included) whose accuracy on the shifted copies is the highest (the smaller
    on a tie)."""
    best = r["today"]
    for k in BIASES:
        if r[k]["shift_acc"] > best["shift_acc"] + 1e-9:
            best = r[k]
    return best


def main() -> None:
    rows = [json.loads(line) for f in sys.argv[1:]
            for line in Path(f).read_text().splitlines() if line.strip()]
    today_ok = sum(goal(r, r["today"]) for r in rows)
    kinds = [kind(r, r["today"]) for r in rows]
    print(f"backdoored read: {len(rows)}; today at the goal {today_ok}; misses: accuracy "
          f"{kinds.count('acc')}, ASR {kinds.count('asr')}, both {kinds.count('both')}\n")
    print("| repair | guard | applied | at the goal | gained | lost | acc misses turned | "
          "mean CA change (applied) | mean ASR change (applied) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for k in ("res5", "res10"):
        for g, keep in GUARDS.items():
            print(line(rows, k, g, lambda r, k=k, keep=keep: r[k] if keep(r, r[k])
                       else r["today"]))
    for upto in (False, True):
        for g, keep in BIAS_GUARDS.items():
            name = "bias (largest step kept" + (", up to the input model's recall)" if upto
                                                else ")")
            print(line(rows, name, "mixed," + g, lambda r, keep=keep, upto=upto:
                       biased(r, keep, upto)))
    for d in (0.005, 0.01, 0.02):
        gate = f"shift_acc drop>={d}"
        for k in ("res5", "res10", *BIASES):
            print(line(rows, k, gate, lambda r, k=k, d=d: r[k] if dropped(r, d) else r["today"]))
            print(line(rows, k, gate + ",reach<=+0.01", lambda r, k=k, d=d: r[k] if dropped(r, d)
                       and no_rise(r, r[k], "reach", 0.01) else r["today"]))
        for g, keep in BIAS_GUARDS.items():
            print(line(rows, "bias (largest step kept)", gate + "," + g,
                       lambda r, keep=keep, d=d: biased(r, keep, False) if dropped(r, d)
                       else r["today"]))
        print(line(rows, "bias (best shift_acc)", gate,
                   lambda r, d=d: best_shift(r) if dropped(r, d) else r["today"]))
    print()
    keys = ("res5", "res10", *BIASES)
    print("| model | family | suspect recall (input model / today) | today (reach/flip) | "
          + " | ".join(keys) + " |")
    print("|---|---|---|---|" + "---|" * len(keys))
    for r in rows:
        t = r["today"]
        cells = [f"{shown(r, r[k])} ({r[k]['reach']}/{r[k]['flip']})" for k in keys]
        print(f"| {r['model']} | {r['attack']} | {r['came']['ca_sus']:.3f} / {t['ca_sus']:.3f} "
              f"| {shown(r, t)} ({t['reach']}/{t['flip']}) | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
