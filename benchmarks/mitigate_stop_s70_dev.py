"""Issue 12, stop 70 (h12; development, spent zoos): a stop of ``blend_last``'s capped fit read on
the output's own blend reading, counted from ``mitigate_misses_s70_read.py``'s rows (every model
where the step fitted carries the pre-fit output, today's fitted output and shorter fits, each
scored and read at the same opacities). A stop: where the fitted output's reading (the share at
one opacity, or the rise between two, or its rise over the pre-fit output's) is at least a bar,
hand back the fallback (the pre-fit output, or a shorter fit) instead of today's fit. Printed:
per candidate, the models it changes, gained and lost at issue 12's goal against today's.

    python benchmarks/mitigate_stop_s70_dev.py ROWS.jsonl ... [--show]
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from _common import read_jsonl, run_main
from trojanscope.mitigate.zoo_eval import GOAL, GOAL_TOL

BARS = [round(0.05 * i, 2) for i in range(1, 20)]


def at_goal(ca_before: float, fit: dict) -> bool:
    """Issue 12's goal for a backdoored model's fit (``measure``'s ``ca`` and ``asr``)."""
    return (fit["asr"] <= GOAL["asr"] + GOAL_TOL
            and ca_before - fit["ca"] <= GOAL["ca_loss"] + GOAL_TOL)


def readers() -> dict[str, Callable[[dict], float]]:
    """The readings a stop could take of the fitted output (``fits[k]["read"]``)."""
    out: dict[str, Callable[[dict], float]] = {}
    for a in ("0.05", "0.08", "0.1", "0.13", "0.15", "0.2", "0.3"):
        out[f"share {a}"] = lambda f, a=a: f["today"]["read"][a]
        out[f"share {a} over pre-fit"] = (lambda f, a=a: f["today"]["read"][a]
                                          - f["prefit"]["read"][a])
    for low, high in (("0.02", "0.13"), ("0.02", "0.1"), ("0.05", "0.15")):
        out[f"rise {low}-{high}"] = (lambda f, lo=low, hi=high: f["today"]["read"][hi]
                                     - f["today"]["read"][lo])
    return out


def count(rows: list[dict], read: Callable[[dict], float], bar: float,
          fallback: str) -> tuple[int, list[str], list[str]]:
    """(models stopped, gained, lost) of a stop at ``bar`` handing back ``fallback``."""
    stopped, gained, lost = 0, [], []
    for r in rows:
        f = r["fits"]
        if read(f) < bar:
            continue
        stopped += 1
        was, now = at_goal(r["ca_before"], f["today"]), at_goal(r["ca_before"], f[fallback])
        if now and not was:
            gained.append(r["model"])
        if was and not now:
            lost.append(r["model"])
    return stopped, gained, lost


def main() -> None:
    paths = [a for a in sys.argv[1:] if not a.startswith("--")]
    if not paths:
        raise ValueError("usage: mitigate_stop_s70_dev.py ROWS.jsonl ... [--show]")
    rows = [r for p in paths for r in read_jsonl(Path(p)) if "fits" in r]
    print(f"{len(rows)} models where blend_last fitted")
    for key in ("prefit", "fit3", "fit5", "today"):
        print(f"  {key}: {sum(at_goal(r['ca_before'], r['fits'][key]) for r in rows)} at the goal")
    if "--show" in sys.argv:
        for r in rows:
            f = r["fits"]
            cells = " | ".join(f"{k} {100 * (f[k]['ca'] - r['ca_before']):+.2f}/"
                               f"{100 * f[k]['asr']:.2f}% r13 {f[k]['read']['0.13']:.3f} "
                               f"r15 {f[k]['read']['0.15']:.3f} r20 {f[k]['read']['0.2']:.3f} "
                               f"r30 {f[k]['read']['0.3']:.3f}"
                               for k in ("prefit", "fit3", "fit5", "today"))
            print(f"{r['model']}: {cells}")
    best = []
    for name, read in readers().items():
        for fallback in ("prefit", "fit3", "fit5"):
            for bar in BARS:
                stopped, gained, lost = count(rows, read, bar, fallback)
                if stopped:
                    best.append((len(gained) - len(lost), -len(lost), name, fallback, bar,
                                 stopped, gained, lost))
    best.sort(key=lambda b: (b[0], b[1]), reverse=True)
    print("\n| reading | fallback | bar | stopped | gained | lost |")
    print("|---|---|---|---|---|---|")
    for _net, _, name, fallback, bar, stopped, gained, lost in best[:40]:
        print(f"| {name} | {fallback} | {bar} | {stopped} | {len(gained)} {gained} | "
              f"{len(lost)} {lost} |")


if __name__ == "__main__":
    run_main(main)
