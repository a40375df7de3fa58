"""Whole-split network readings: why credit-default MLPs miss, and the ``network:sure`` entry
refitted one pair out (issue 16, stop 70).

Reads stored whole-split network readings (``tabular_small_clean.py --detect`` rows with the
sure rows' features), scores them with the shipped ``tabular-search:network:sure`` entry (the
default at the whole split since stop 58) and with each design refitted on every pair of zoos
(a stop's credit-default and lending-club zoo) but one, scored on the held-out pair. Figures
are printed for every row and for the rows of zoos the shipped entry never saw (``--unseen``
zoo-name prefixes), per table and per target (with the table's clean networks), and the worst
family by cross-entropy. ``--why ZOO`` prints that zoo's credit-default networks one by one
(the features the entry reads, per class excess, its probability today and by each design).
``--write FILE --fit DESIGN|C``: the shipped file with the entry refitted on every row.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s70_h16_mlp.py --rows A.json B.json ... \
        [--designs NAME,...] [--cs 1,10] [--unseen tab-fresh38,...] [--why tab-fresh49]
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import numpy as np

from tabular_class1_lozo import line
from tabular_net_refit import DESIGNS, check, load, report, write
from trojanscope.detect.calibration import fit_calibrator, load_calibrators
from trojanscope.detect.calibration_range import guarded_probability

KEY = "tabular-search:network:sure"
SHIPPED = "excess + gap + flip_2 + sure"
FEATS = DESIGNS["whole"]  # stop 70 added the enrichment designs there


def pair_of(zoo: str) -> str:
    """A stop's two zoos as one pair: ``tab-fresh49`` and ``tab-fresh49-lc`` alike; the
    older ``cdNNNN`` / ``lcNNNN`` zoos each their own."""
    return re.sub(r"-lc$", "", zoo)


def held_out_pairs(rows: list[dict], feats: list[str], c: float) -> np.ndarray:
    """Each pair's rows scored by the design fitted (no transform, C ``c``) on every other
    pair's rows."""
    out = np.zeros(len(rows))
    for pair in sorted({pair_of(r["zoo"]) for r in rows}):
        train = [r for r in rows if pair_of(r["zoo"]) != pair]
        held = [i for i, r in enumerate(rows) if pair_of(r["zoo"]) == pair]
        cal = fit_calibrator(KEY, [r["features"] for r in train],
                             [int(r["backdoored"]) for r in train], feats, transform="none",
                             c=c)
        out[held] = [cal.probability(rows[i]["features"]) for i in held]
    return out


def why(rows: list[dict], zoo: str, scores: dict[str, np.ndarray]) -> None:
    """One zoo's credit-default networks, clean first, each by today's probability."""
    idx = sorted((i for i, r in enumerate(rows) if r["zoo"] == zoo),
                 key=lambda i: (rows[i]["backdoored"], scores["today"][i]))
    names = list(scores)
    print(f"\n{zoo}: name | target | named | excess 0 / 1 | sure 0 / 1 | gap | flip_2 | "
          f"sure_flip | enrichment | " + " | ".join(f"p {n}" for n in names))
    for i in idx:
        r, f = rows[i], rows[i]["features"]
        cl = r.get("classes", {})
        ex = " / ".join(f"{cl.get(k, {}).get('excess', 0):.3f}" for k in ("0", "1"))
        su = " / ".join(f"{cl.get(k, {}).get('excess_sure', 0):.3f}" for k in ("0", "1"))
        print(f"{r['name']} | {r['target']} | {r['predicted_target']} | {ex} | {su} | "
              f"{f['tab_excess_gap']:.3f} | {f['tab_flip_2']:.2f} | "
              f"{f.get('tab_excess_flip', 0):.2f} | {f['tab_enrichment']:.3f} | "
              + " | ".join(f"{scores[n][i]:.3f}" for n in names))


def write_entry(rows: list[dict], spec: str, out: Path) -> None:
    """The shipped calibration file with ``KEY`` refitted on every row (``DESIGN|C``, no
    transform)."""
    name, c = spec.split("|")
    write(rows, "whole", f"{name}|none|{c}", out, KEY)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", nargs="+", required=True, help="FILE or FILE=ZOO")
    ap.add_argument("--designs", default=SHIPPED)
    ap.add_argument("--cs", default="1,10")
    ap.add_argument("--unseen", default="", help="zoo-name prefixes the shipped entry never saw")
    ap.add_argument("--per-pair", action="store_true",
                    help="credit-default networks per held-out pair")
    ap.add_argument("--why", default="", help="a zoo whose networks are printed one by one")
    ap.add_argument("--shipped", type=Path, default=None,
                    help="today's file (default: the shipped one; the plan commit's since M70)")
    ap.add_argument("--write", type=Path, default=None)
    ap.add_argument("--fit", default=None, metavar="DESIGN|C")
    args = ap.parse_args()
    rows = load(args.rows, "whole")
    print(f"{len(rows)} readings, {len({r['zoo'] for r in rows})} zoos, "
          f"{len({pair_of(r['zoo']) for r in rows})} pairs")
    if args.write is not None:
        if not args.fit:
            raise SystemExit("error: --write needs --fit DESIGN|C")
        write_entry(rows, args.fit, args.write)
        return
    shipped = load_calibrators(args.shipped) if args.shipped else load_calibrators()
    scores = {"today": np.array([guarded_probability(KEY, shipped, r["features"])
                                 for r in rows])}
    for name in args.designs.split(","):
        if name not in FEATS:
            raise SystemExit(f"error: unknown design {name!r}")
        check(rows, FEATS[name])
        for c in (float(v) for v in args.cs.split(",")):
            scores[f"{name}|{c:g}"] = held_out_pairs(rows, FEATS[name], c)
    unseen = [p for p in args.unseen.split(",") if p]
    parts = [("every row", list(range(len(rows))))]
    if unseen:
        parts.append(("unseen by the shipped entry",
                      [i for i, r in enumerate(rows) if any(r["zoo"].startswith(u)
                                                            for u in unseen)]))
    for title, idx in parts:
        print(f"\n== {title} ({len(idx)} readings)")
        for name, p in scores.items():
            report(name, [rows[i] for i in idx], list(p[idx]))
    if args.per_pair:
        print("\n== credit-default networks per held-out pair (today | designs)")
        for pair in sorted({pair_of(r["zoo"]) for r in rows}):
            idx = [i for i, r in enumerate(rows) if pair_of(r["zoo"]) == pair
                   and r["table"] == "credit-default"]
            if idx and any(rows[i]["backdoored"] for i in idx):
                print(f"{pair}: " + " | ".join(
                    f"{n}: {line([rows[i] for i in idx], list(p[idx]))}"
                    for n, p in scores.items()))
    if args.why:
        why(rows, args.why, scores)


if __name__ == "__main__":
    main()
