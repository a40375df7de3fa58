"""Issue 12, stop 73 (h12a; development): where a rounds stop would end `gated`'s second stage,
read on stored rows of ``mitigate_acc_s72_read.py`` (no run).

Each row holds the detector's reversed trigger's mean probability for its class on the method's
200 clean images (``tprob``) before the first round and after each, with the model's CA and the
attacker's ASR on the 800 scored images there. For a bar P (and optionally ``dense_stop``'s
second stop, a round that takes less than ``--fall`` off): the round the stage would stop after
(``round_stop``'s and ``dense_stop``'s reading, :meth:`Adaptive._gone`), the model there against
after every round, and today's output (the later steps, which the stop changes, are not read
here: a run is).

    PYTHONPATH=src:benchmarks python benchmarks/mitigate_stop_s73_sim.py ROWS.jsonl... \
        [--bar 0.005] [--fall 0] [--all]

Prints one line per model whose stage ran rounds (``--all``; otherwise only where it would stop
early). A missing file is one error line.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from _common import fail, read_jsonl, run_main


def stop_round(readings: list[float], bar: float, fall: float) -> int | None:
    """The round (1-based) after which the stage stops: the reading at most ``bar``, or (with
    ``fall`` > 0) above ``fall`` times the one before; None: every round ran."""
    for i in range(1, len(readings)):
        if readings[i] <= bar or (fall and readings[i] > fall * readings[i - 1]):
            return i
    return None


def line(row: dict, bar: float, fall: float) -> tuple[int | None, str] | None:
    """The stop and the printed line for one stored row (None: no rounds with readings)."""
    pts = row["points"]
    first = [p for p in pts if p["at"] == "first"]
    rounds = [p for p in pts if p["at"] == "round"]
    if not first or not rounds or "tprob" not in first[0]:
        return None
    readings = [first[0]["tprob"]] + [p["tprob"] for p in rounds]
    at = stop_round(readings, bar, fall)
    base = pts[0]["ca"]

    def cell(p: dict) -> str:
        return f"{100 * (p['ca'] - base):+.1f}/{100 * p['asr']:.1f}%"

    there = rounds[at - 1] if at else rounds[-1]
    return at, (f"{row['name']:22s} {row['family']:8s} rounds {len(rounds)} stop {at} | after "
                f"every round {cell(rounds[-1])} | at the stop {cell(there)} | today's output "
                f"{cell(pts[-1])} | readings {[round(x, 3) for x in readings]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rows", nargs="+", type=Path)
    ap.add_argument("--bar", type=float, default=0.005)
    ap.add_argument("--fall", type=float, default=0.0)
    ap.add_argument("--all", action="store_true")
    args = ap.parse_args()
    for path in args.rows:
        if not path.is_file():
            fail(f"{path}: no such file")
    for path in args.rows:
        for row in read_jsonl(path):
            got = line(row, args.bar, args.fall)
            if got is not None and (args.all or got[0] is not None):
                print(got[1])


if __name__ == "__main__":
    run_main(main)
