"""Issue 12, stop 74 (h12; development): ``mixed_held``'s keep-or-undo rules judged on stored
rows of ``mitigate_held_s74_read.py`` (the fit always kept, so both ways were scored), beside
today's default's stored rows of the same models (no run).

Per model: today's row, the candidate's model before ``mixed_last`` (an undo) and after the
steps (a keep), each as CA change in points / ASR on the 800 scored images (read for the
diagnosis only) and whether it is at issue 12's goal; the share's readings before -> after the
fit. Then, per rule (:data:`RULES`), the count at the goal, gained and lost against today.

    PYTHONPATH=src:benchmarks python benchmarks/mitigate_held_s74_sim.py CAND.jsonl... \\
        --today TODAY.jsonl... [--today-json FRESH.json:N ...]

``--today`` takes ``mitigate_acc_s72_read.py`` rows, ``--today-json`` a zoo-eval JSON's
``gated`` rows (named N/model). A missing file is one error line. Rows named twice: the first.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

from _common import fail, read_jsonl, run_main

GOAL_ASR, GOAL_LOSS, TOL = 0.02, 0.02, 1e-6  # issue 12's goal, zoo_eval's tolerance


def at_goal(loss: float, asr: float | None) -> bool:
    """Issue 12's goal: CA loss <= 2 points and ASR <= 2% (a clean model: loss only)."""
    return loss <= GOAL_LOSS + TOL and (asr or 0.0) <= GOAL_ASR + TOL


Rule = Callable[[dict, dict], bool]
# keep the fit where ... (before/after: the share's readings)
RULES: dict[str, Rule] = {
    "always keep (today's step)": lambda b, a: True,
    "always undo": lambda b, a: False,
    "acc not below": lambda b, a: a["acc"] >= b["acc"] - 1e-9,
    "acc above": lambda b, a: a["acc"] > b["acc"] + 1e-9,
    "logp not below": lambda b, a: a["logp"] >= b["logp"],
    "acc not below and logp not below": lambda b, a: a["acc"] >= b["acc"] - 1e-9
    and a["logp"] >= b["logp"],
    "acc not below or flip down": lambda b, a: a["acc"] >= b["acc"] - 1e-9
    or a["flip"] < b["flip"] - 1e-9,
}


def outcomes(row: dict) -> dict:
    """The candidate row's (loss, asr) if the fit is kept and if undone, and the readings."""
    base = row["ca_before"]
    keep = (base - row["ca_after"], row["asr_after"])
    note = row["report"].get("mixed_last", {}).get("held")
    marks = [p["at"] for p in row["points"]]
    if note is None or "mixed_last" not in marks:
        return {"keep": keep, "undo": keep, "held": None}
    prev = row["points"][marks.index("mixed_last") - 1]
    return {"keep": keep, "undo": (base - prev["ca"], prev["asr"] if row["asr_after"] is not None
                                   else None), "held": note}


def read_today(paths: list[Path], jsons: list[str]) -> dict[str, tuple[float, float | None]]:
    """Today's (loss, asr) per model name."""
    today: dict[str, tuple[float, float | None]] = {}
    for path in paths:
        for r in read_jsonl(path):
            today.setdefault(r["name"], (r["ca_before"] - r["ca_after"], r["asr_after"]))
    for spec in jsons:
        file, _, number = spec.rpartition(":")
        for r in json.loads(Path(file).read_text())["gated"]["rows"]:
            today.setdefault(f"{number}/{r['name']}", (r["ca_before"] - r["ca_after"],
                                                       r["asr_after"]))
    return today


def fmt(o: tuple[float, float | None]) -> str:
    asr = "-" if o[1] is None else f"{100 * o[1]:.1f}%"
    return f"{-100 * o[0]:+.1f}/{asr} {'ok' if at_goal(*o) else 'MISS'}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rows", nargs="+", type=Path)
    ap.add_argument("--today", nargs="*", type=Path, default=[])
    ap.add_argument("--today-json", nargs="*", default=[])
    args = ap.parse_args()
    for path in [*args.rows, *args.today, *(Path(s.rpartition(":")[0]) for s in args.today_json)]:
        if not path.is_file():
            fail(f"{path}: no such file")
    today = read_today(args.today, args.today_json)
    seen: dict[str, dict] = {}
    for path in args.rows:
        for row in read_jsonl(path):
            seen.setdefault(row["name"], {**outcomes(row), "family": row["family"]})
    for name, o in seen.items():
        t = today.get(name)
        h = o["held"]
        read = "-" if h is None else (f"acc {h['before']['acc']:.3f}->{h['after']['acc']:.3f} "
                                      f"logp {h['before']['logp']:.3f}->{h['after']['logp']:.3f} "
                                      f"flip {h['before']['flip']:.3f}->{h['after']['flip']:.3f}")
        print(f"{name:20s} today {fmt(t) if t else '?':18s} undo {fmt(o['undo']):18s} "
              f"keep {fmt(o['keep']):18s} | {read}")
    for label, rule in RULES.items():
        got, gained, lost = 0, [], []
        for name, o in seen.items():
            pick = o["keep"] if o["held"] is None or rule(o["held"]["before"],
                                                          o["held"]["after"]) else o["undo"]
            ok = at_goal(*pick)
            got += ok
            t = today.get(name)
            if t is not None and ok and not at_goal(*t):
                gained.append(name)
            if t is not None and not ok and at_goal(*t):
                lost.append(name)
        print(f"{label}: {got}/{len(seen)} at the goal; gained {gained}; lost {lost}")
    best = sum(at_goal(*o["keep"]) or at_goal(*o["undo"]) for o in seen.values())
    base = sum(at_goal(*today[n]) for n in seen if n in today)
    print(f"a perfect keep-or-undo: {best}/{len(seen)}; today: {base}/"
          f"{sum(n in today for n in seen)}")


if __name__ == "__main__":
    run_main(main)
