"""Issue 12, stop 78 (h12; development): count ``aug_class`` at a bar against today's rows.

``mitigate_cls_s78_dev.py`` reads every cached output where ``aug_last`` runs and, with
``-v cls``, scores the candidate's fit there whatever the reading (the fit again, the top class's
trigger stamped on that class's rows). ``aug_class=B`` fires where the top class's flip on its
copies is in [B, ``aug_class.FLIP_HIGH``) and its trigger lies near the reversed trigger
(``aug_class.NEAR_BAR``; ``--near`` another share): ``aug_class.fires``; there its row is the
fit's (``--variant all``: the ``all`` variant's), elsewhere today's. Per bar: the count at issue
12's goal, gained, lost and ASR crossing 2% (``mitigate_res_s77_sum.counts``) and the models it
fires on. With ``-v``, each model's reading and rows. Decides nothing.

    python benchmarks/mitigate_cls_s78_sum.py ROWS.jsonl ... --bars 0.1,0.2 [--near 0.5]
        [--variant cls] [-v]
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from _common import read_jsonl, run_main
from mitigate_res_s77_sum import counts
from trojanscope.mitigate import aug_class


def top_cell(row: dict[str, Any]) -> dict[str, Any]:
    """The reading of the class ``aug_class`` picks (the first largest flip)."""
    return row["classes"][str(row["top"])]


def gated_rows(rows: list[dict[str, Any]], bar: float, near: float,
               variant: str = "cls") -> list[dict[str, Any]]:
    """Each row with ``at`` set: the fit's row where the reading fires at ``bar``, else
    today's."""
    out = []
    for r in rows:
        cell = top_cell(r)
        fires = aug_class.fires(cell["fit"], cell["near"] + aug_class.NEAR_BAR - near, bar)
        out.append({**r, "at": r[variant] if fires else r["today"], "fires": fires})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rows", type=Path, nargs="+")
    ap.add_argument("--bars", default="0.1,0.2,0.3")
    ap.add_argument("--near", type=float, default=aug_class.NEAR_BAR)
    ap.add_argument("--variant", default="cls", help="the fit's row: cls or all")
    ap.add_argument("-v", action="store_true", help="each model's reading and rows too")
    args = ap.parse_args()
    rows = [r for p in args.rows for r in read_jsonl(p) if args.variant in r]
    for bar in [float(b) for b in args.bars.split(",")]:
        got = gated_rows(rows, bar, args.near, args.variant)
        c = counts(got, "at")
        fired = [r["name"] for r in got if r["fires"]]
        print(f"bar {bar:g} near {args.near:g}: {c['goal']} of {c['read']} at the goal against "
              f"{c['today']}; gained {len(c['gained'])} {c['gained']}; lost {len(c['lost'])} "
              f"{c['lost']}; ASR crossing 2% {c['crossed']}; fires on {len(fired)} {fired}")
    c = counts(rows, args.variant)
    print(f"no bar (the fit everywhere): {c['goal']} of {c['read']} against {c['today']}; gained "
          f"{c['gained']}; lost {c['lost']}; crossing {c['crossed']}")
    if args.v:
        for r in rows:
            b, cell, t, v = r["ca_before"], top_cell(r), r["today"], r[args.variant]
            res = r["residue_by_class"]
            print(f"  {r['name']:18} top {r['top']} fit {cell['fit']:.3f} near {cell['near']:.2f} "
                  f"(held {cell['held']:.2f} on {cell['on']:.2f}) residue {sum(res)} "
                  f"({res[int(r['top'])]} of the picked class) | today {100 * (t['ca'] - b):+.2f}/"
                  f"{100 * (t['asr'] or 0):.2f}% fit {100 * (v['ca'] - b):+.2f}/"
                  f"{100 * (v['asr'] or 0):.2f}%")


if __name__ == "__main__":
    run_main(main)
