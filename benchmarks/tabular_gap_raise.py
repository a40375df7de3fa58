"""The trees' 200-row gap raise term (issue 16 stop 60): fitted on development readings, checked
one zoo out, written into a calibration file.

Stop 59's BMR (the trees' 200-row band entries refitted without ``tab_gap``) met its rule on
fresh zoos but read the suite's user-made backdoored XGBoost (gap 0.98) at p 0.447. The term
(:mod:`trojanscope.detect.tabular_gap_raise`) gives the gap back only where it is large: per
library, ``"<band entry>:gap"`` raises the logit by ``slope · (tab_gap − start)``, at most
``most`` logits, where ``start`` is the highest gap of any clean development tree of that
library read with a 200-row file plus ``margin``. The slope (10 logits per unit of gap: 0.1 over
the start is one logit) and the cap (4 logits) are fixed, not fitted: no clean development tree
lies above the start, so a fit would drive the slope to infinity.

- ``--held``: one zoo out (both tables of a pair together): the start from the other zoos'
  clean trees, each held-out reading scored by ``--base`` and then raised; per zoo the clean
  trees raised and every verdict the raise turns, then per table and library the cross-entropy,
  caught and clean flagged before and after.
- ``--write OUT``: ``--base``'s entries plus one gap term per library, its start from every
  reading given.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_gap_raise.py --rows R200.json... \
        --base BMR.json [--held] [--write OUT.json] [--margin 0.05 --slope 10 --most 4]

Development only: the rows given must be of spent seeds.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np

from _common import run_main
from tabular_r200_look import cross_entropy
from tabular_size_calibrate import load
from trojanscope.detect.calibration import Calibrator, load_calibrators, save_calibrators
from trojanscope.detect.calibration_range import guarded_probability
from trojanscope.detect.tabular_gap_raise import FEATURE, TERM, raised_probability

METHOD = "tabular-search"
BAND = "rows200"
LIBS = ("xgboost", "lightgbm")
TABLES = ("credit-default", "lending-club")


def pair(zoo: str) -> str:
    """A zoo pair's name (``tab-fresh39`` for ``tab-fresh39`` and ``tab-fresh39-lc``)."""
    return zoo.removesuffix("-lc")


def band_rows(rows: list[dict]) -> list[dict]:
    """The tree readings scored by a 200-row band entry."""
    return [r for r in rows if r["arch"] in LIBS and r["family"].endswith(f":{BAND}")]


def gap_terms(rows: list[dict], margin: float, slope: float, most: float
              ) -> dict[str, Calibrator]:
    """One gap term per library from ``rows``' clean readings of it (none where it has none)."""
    out = {}
    for lib in LIBS:
        clean = [r for r in rows if r["arch"] == lib and not r["backdoored"]]
        if not clean:
            continue
        top = max(float(r["features"][FEATURE]) for r in clean)
        start = top + margin
        key = f"{METHOD}:tree:{lib}:{BAND}:{TERM}"
        out[key] = Calibrator(
            key, [FEATURE], [slope], -slope * start,
            fitted_on={"most": most, "start": round(start, 6), "clean_max": round(top, 6),
                       "margin": margin, "n_clean": len(clean),
                       "n_models": sum(r["arch"] == lib for r in rows),
                       "zoo": sorted({r["zoo"] for r in rows if r["arch"] == lib}),
                       "sizes": [200], "design": "raise-only gap term (issue 16 stop 60)"})
    return out


def score(rows: list[dict], cals: dict[str, Calibrator]) -> None:
    """Set each reading's ``p_base`` (the file's family entry) and ``p_raised`` (then raised by
    the file's gap term) in place."""
    for r in rows:
        key = f"{METHOD}:{r['family']}"
        r["p_base"] = guarded_probability(key, cals, r["features"])
        r["p_raised"] = raised_probability(key, cals, r["features"], r["p_base"])


def _ce(rows: list[dict], k: str) -> float:
    return cross_entropy(np.array([int(r["backdoored"]) for r in rows]),
                         np.array([r[k] for r in rows]))


def held(rows: list[dict], base: dict[str, Calibrator], margin: float, slope: float,
         most: float) -> None:
    """One zoo pair out: the terms from the other pairs, the held pair's readings raised."""
    for z in sorted({pair(r["zoo"]) for r in rows}):
        part = [r for r in rows if pair(r["zoo"]) == z]
        terms = gap_terms([r for r in rows if pair(r["zoo"]) != z], margin, slope, most)
        score(part, {**base, **terms})
        starts = {k.split(":")[2]: round(t.fitted_on["start"], 3) for k, t in terms.items()}
        raised = [r for r in part if r["p_raised"] > r["p_base"]]
        turned = [f"{r['zoo']}/{r['name']} {r['arch']} {r['p_base']:.3f}->{r['p_raised']:.3f}"
                  for r in part if (r["p_base"] >= 0.5) != (r["p_raised"] >= 0.5)]
        print(f"{z}: starts {starts}; {len(part)} readings, raised {len(raised)} "
              f"({sum(not r['backdoored'] for r in raised)} clean); CE {_ce(part, 'p_base'):.3f} "
              f"-> {_ce(part, 'p_raised'):.3f}; turned: {', '.join(turned) or 'none'}")
    for table in TABLES:
        for lib in LIBS:
            part = [r for r in rows if r["table"] == table and r["arch"] == lib]
            if not part:
                continue
            bad = [r for r in part if r["backdoored"]]
            clean = [r for r in part if not r["backdoored"]]
            print(f"{table} {lib} ({len(part)}): CE {_ce(part, 'p_base'):.3f} -> "
                  f"{_ce(part, 'p_raised'):.3f}; caught {sum(r['p_base'] >= .5 for r in bad)} -> "
                  f"{sum(r['p_raised'] >= .5 for r in bad)} of {len(bad)}; clean flagged "
                  f"{sum(r['p_base'] >= .5 for r in clean)} -> "
                  f"{sum(r['p_raised'] >= .5 for r in clean)} of {len(clean)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", nargs="+", required=True, help="200-row readings (--detect)")
    ap.add_argument("--base", type=Path, required=True, help="the band entries' file (BMR)")
    ap.add_argument("--held", action="store_true", help="one zoo pair out")
    ap.add_argument("--write", type=Path, default=None, help="base + the gap terms")
    ap.add_argument("--margin", type=float, default=0.05)
    ap.add_argument("--slope", type=float, default=10.0)
    ap.add_argument("--most", type=float, default=4.0)
    args = ap.parse_args()
    if not (args.slope > 0 and args.most > 0 and math.isfinite(args.margin)):
        raise ValueError("--slope and --most must be > 0 and --margin a number")
    base = load_calibrators(args.base)
    rows = band_rows(load(args.rows))
    if not rows:
        raise ValueError("no 200-row tree readings in --rows")
    if args.held:
        held(rows, base, args.margin, args.slope, args.most)
    if args.write is not None:
        terms = gap_terms(rows, args.margin, args.slope, args.most)
        for key, term in terms.items():
            print(f"{key}: start {term.fitted_on['start']:.3f} (clean max "
                  f"{term.fitted_on['clean_max']:.3f} of {term.fitted_on['n_clean']}), slope "
                  f"{args.slope:g}, at most {args.most:g} logits")
        save_calibrators({**base, **terms}, args.write)
        print(f"wrote {args.write}")


if __name__ == "__main__":
    run_main(main)
