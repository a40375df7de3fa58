"""Issue 12, stop 77 (h12; development): count ``mitigate_res_s77_dev.py``'s variants against
today's rows.

Per variant: the models it was read on, those at issue 12's goal under today's default and
under it, the ones gained and lost, and the ASR crossing 2% (at or under it today, above it
under the variant). Where the step does not run (``fits`` false) today's row stands for every
variant. With ``-v`` each model's line too. Decides nothing.

    python benchmarks/mitigate_res_s77_sum.py ROWS.jsonl ... [-v]
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from _common import read_jsonl, run_main
from mitigate_aug_s76_sum import at_goal

BAR = 0.02


def counts(rows: list[dict[str, Any]], variant: str) -> dict[str, Any]:
    """The variant's count on the rows that read it (today's row where the step did not run)."""
    read = [r for r in rows if variant in r or not r.get("fits", True)]
    got: dict[str, Any] = {"read": len(read), "today": 0, "goal": 0, "gained": [], "lost": [],
                           "crossed": []}
    for r in read:
        b, t = r["ca_before"], r["today"]
        v = r.get(variant, t)
        now, then = at_goal(b, t["ca"], t["asr"]), at_goal(b, v["ca"], v["asr"])
        got["today"] += now
        got["goal"] += then
        if then and not now:
            got["gained"].append(r["name"])
        if now and not then:
            got["lost"].append(r["name"])
        if (t["asr"] or 0) <= BAR + 1e-6 < (v["asr"] or 0):
            got["crossed"].append(r["name"])
    return got


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rows", type=Path, nargs="+")
    ap.add_argument("-v", action="store_true", help="each model's line too")
    args = ap.parse_args()
    rows = [r for p in args.rows for r in read_jsonl(p)]
    variants = sorted({k for r in rows for k, v in r.items()
                       if isinstance(v, dict) and "ca" in v and k not in ("pre", "today")})
    for name in variants:
        c = counts(rows, name)
        print(f"{name}: {c['goal']} of {c['read']} at the goal against {c['today']}; gained "
              f"{len(c['gained'])} {c['gained']}; lost {len(c['lost'])} {c['lost']}; ASR "
              f"crossing 2% {c['crossed']}")
    if args.v:
        for r in rows:
            b = r["ca_before"]
            cells = " ".join(f"{k} {100 * (v['ca'] - b):+.2f}/{100 * (v['asr'] or 0):.2f}%"
                             for k, v in r.items() if isinstance(v, dict) and "ca" in v
                             and k != "pre")
            print(f"  {r['name']:18} {cells}")


if __name__ == "__main__":
    run_main(main)
