"""Issue 12, stop 76 (h12; development): choices of ``aug_last``'s output counted against today's.

Reads ``mitigate_aug_s76_dev.py``'s trajectories (per model, the readings the method owns and
the scores after every epoch of the fit; epoch 0 is today's output) and, for each choice named,
the epoch it keeps per model, only where ``mixed_last`` fitted the output (the step's gate; today's
row elsewhere). Choices (``-c``, repeatable):

- ``fixed:E``: epoch E (``aug_last=E`` as it is);
- ``keep:E:READING[:TOL]``: epoch E if its READING is at least epoch 0's less TOL, else epoch 0
  (the output as it came);
- ``best:E:READING``: of epochs 0..E the one with the highest READING (the latest on a tie);
- ``flip``-guarded forms append ``+flip``: an epoch whose ``flip`` is above epoch 0's is not kept;
- ``avg:NAME``: the weight average NAME of ``mitigate_aug_s76_dev.py --avg`` (``AVERAGES``).

Prints, per choice, the models at issue 12's goal, those gained and lost against today, the ASR
crossings of 2% and a per-model line with ``-v``. Decides nothing.

    python benchmarks/mitigate_aug_s76_sum.py ROWS.jsonl ... -c fixed:5 -c keep:5:shift [-v]
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from _common import read_jsonl, run_main

EPS_CA, EPS_ASR = 1e-4, 1e-6


def at_goal(before: float, ca: float, asr: float | None) -> bool:
    """Issue 12's goal: ASR at most 2% and CA loss at most 2 points (float32-safe)."""
    return (asr or 0) <= 0.02 + EPS_ASR and ca >= before - 0.02 - EPS_CA


def chosen(epochs: list[dict[str, Any]], choice: str) -> int:
    """The epoch ``choice`` keeps from a model's trajectory."""
    guard = choice.endswith("+flip")
    parts = choice.removesuffix("+flip").split(":")
    kind, last = parts[0], int(parts[1])
    last = min(last, epochs[-1]["epoch"])
    flip0 = epochs[0]["flip"]

    def allowed(r: dict[str, Any]) -> bool:
        return not guard or r["flip"] <= flip0 + 1e-9
    if kind == "fixed":
        return last
    reading = parts[2]
    if kind == "keep":
        tol = float(parts[3]) if len(parts) > 3 else 0.0
        r = epochs[last]
        return last if r[reading] >= epochs[0][reading] - tol - 1e-9 and allowed(r) else 0
    if kind == "best":
        best = 0
        for r in epochs[1:last + 1]:
            if allowed(r) and r[reading] >= epochs[best][reading] - 1e-9:
                best = r["epoch"]
        return best
    raise SystemExit(f"unknown choice {choice!r}")


def count(rows: list[dict[str, Any]], choice: str, verbose: bool) -> str:
    at_t = at_c = 0
    gained, lost, crossed = [], [], []
    for r in rows:
        t = r["today"]
        b = t["ca_before"]
        fired = str(r.get("mixed", "")).startswith("fitted") and "epochs" in r
        if fired and choice.startswith("avg:"):
            e, c = choice[4:], r["avg"][choice[4:]]
        else:
            e = chosen(r["epochs"], choice) if fired else 0
            c = r["epochs"][e] if fired else {"ca": t["ca"], "asr": t["asr"]}
        ok_t, ok_c = at_goal(b, t["ca"], t["asr"]), at_goal(b, c["ca"], c["asr"])
        at_t += ok_t
        at_c += ok_c
        if ok_c and not ok_t:
            gained.append(r["name"])
        if ok_t and not ok_c:
            lost.append(r["name"])
        if (t["asr"] or 0) <= 0.02 + EPS_ASR < (c["asr"] or 0):
            crossed.append(r["name"])
        if verbose:
            print(f"  {r['name']:18s} epoch {e} {100 * (t['ca'] - b):+.2f}/"
                  f"{100 * (t['asr'] or 0):.2f}% -> {100 * (c['ca'] - b):+.2f}/"
                  f"{100 * (c['asr'] or 0):.2f}% {'ok' if ok_c else 'MISS'}")
    return (f"{choice}: {at_c} of {len(rows)} at the goal against {at_t}; gained {len(gained)} "
            f"{gained}; lost {len(lost)} {lost}; ASR crossing 2% {crossed}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rows", nargs="+", type=Path)
    ap.add_argument("-c", action="append", default=[])
    ap.add_argument("-v", action="store_true")
    args = ap.parse_args()
    rows: dict[str, dict[str, Any]] = {}
    for path in args.rows:
        for r in read_jsonl(path):
            rows[r["name"]] = r
    ordered = [rows[k] for k in sorted(rows)]
    for choice in args.c:
        print(count(ordered, choice, args.v), flush=True)


if __name__ == "__main__":
    run_main(main)
