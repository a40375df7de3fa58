"""The trees' 200-row band entries refitted on readings with ``-p box_recur=N``, one zoo pair
out, beside today's readings of the same files (issue 16 stop 66, h16).

``--rows`` are ``tabular_small_clean.py`` files read with ``box_recur`` (each path may end in
``#K``: the file's draw index K, so three files of one zoo stay three readings), ``--today`` the
stored readings of the same files by today's default. Per library: today's figures (the stored
probabilities), the candidate readings scored by today's file (no refit), and each design refitted
on every pair but one and scored on the pair held out -- credit-default, lending-club, the target-0
and target-1 families of credit-default (each with the clean models of its library). ``--write
OUT --fit "design|C"`` writes the shipped file with both trees' band entries refitted on every
``--rows`` reading (``--libraries``: only those; ``--guard``: each range-guarded by its
readings, today's entry outside; the gap terms kept).

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s66_h16_fit.py --rows R.json#0 ... \
        --today T.json#0 ... [--write OUT --fit "box + mass_group + recur|10"]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from tabular_band_guard import write as band_guard
from tabular_s64_h16_band_refit import SHIPPED, features_of, figures, pair_of, with_entry
from tabular_small_clean import _ce
from tabular_user_rule import scored
from trojanscope.detect.calibration import load_calibrators, save_calibrators

LIBRARIES = ("xgboost", "lightgbm")
DESIGNS = ["box + mass_group + recur", "box + mass_group + recur + lead"]


def key_of(library: str) -> str:
    return f"tabular-search:tree:{library}:rows200"


def load(paths: list[str]) -> list[dict]:
    """The trees' 200-row readings of ``paths`` (``FILE#K``: draw index K), each once."""
    out, seen = [], set()
    for spec in paths:
        path, _, k = spec.partition("#")
        for r in json.loads(Path(path).read_text())["rows"]:
            if r.get("arch") not in LIBRARIES or r.get("size") != 200:
                continue
            r = {**r, "draw": int(k or r["draw"])}
            key = (r["zoo"], r["name"], r["draw"])
            if key in seen:
                raise SystemExit(f"error: {key} read twice ({path})")
            seen.add(key)
            out.append(r)
    return out


def families(rows: list[dict]) -> str:
    """Credit-default's target-0 and target-1 families' CE (clean models of the library in both)."""
    cd = [r for r in rows if r["table"] == "credit-default"]
    parts = []
    for t in (0, 1):
        fam = [r for r in cd if not r["backdoored"] or r["target"] == t]
        parts.append(f"target {t} CE {_ce(fam):.3f}" if fam else f"target {t} -")
    return ", ".join(parts)


def line(title: str, rows: list[dict]) -> str:
    cd = [r for r in rows if r["table"] == "credit-default"]
    lc = [r for r in rows if r["table"] == "lending-club"]
    return (f"  {title}: credit-default {figures(cd) if cd else '-'} ({families(rows)}); "
            f"lending-club {figures(lc) if lc else '-'}")


def refit(rows: list[dict], design: str, c: float, held: str = "",
          libraries: tuple[str, ...] = LIBRARIES) -> dict:
    """The shipped calibrators with the ``libraries``' band entries refitted on ``rows``
    (``held``'s pair left out)."""
    cals = load_calibrators(SHIPPED)
    for library in libraries:
        fam = [r for r in rows if r["arch"] == library and pair_of(r["zoo"]) != held]
        cals[key_of(library)] = with_entry(key_of(library), fam, features_of(design), "none",
                                           c)[key_of(library)]
    return cals


def held_out(rows: list[dict], design: str, c: float,
             libraries: tuple[str, ...] = LIBRARIES) -> list[dict]:
    """Each pair's readings scored by the ``libraries``' entries refitted on the other
    pairs'."""
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cal.json"
        for pair in sorted({pair_of(r["zoo"]) for r in rows}):
            save_calibrators(refit(rows, design, c, held=pair, libraries=libraries), path)
            out += scored([r for r in rows if pair_of(r["zoo"]) == pair], path)[0]
    return out


def picked(rows: list[dict], library: str, keys: set) -> list[dict]:
    return [r for r in rows if r["arch"] == library and (r["zoo"], r["name"], r["draw"]) in keys]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", nargs="+", required=True)
    ap.add_argument("--today", nargs="*", default=[])
    ap.add_argument("--designs", default=",".join(DESIGNS))
    ap.add_argument("--cs", default="1,10")
    ap.add_argument("--write", type=Path)
    ap.add_argument("--fit", default="box + mass_group + recur|10")
    ap.add_argument("--held", default="", help="with --write: a zoo pair left out of the fit")
    ap.add_argument("--guard", action="store_true",
                    help="with --write: each refitted entry range-guarded by its readings, "
                         "today's entry outside (tabular_band_guard.py)")
    ap.add_argument("--libraries", default=",".join(LIBRARIES),
                    help="with --write: the band entries refitted (the others as shipped)")
    args = ap.parse_args()
    rows = load(args.rows)
    if args.write:
        design, c = args.fit.split("|")
        libraries = tuple(args.libraries.split(","))
        if set(libraries) - set(LIBRARIES):
            raise SystemExit(f"error: --libraries {args.libraries}: {', '.join(LIBRARIES)}")
        rows = [r for r in rows if pair_of(r["zoo"]) != args.held]
        save_calibrators(refit(rows, design, float(c), libraries=libraries), args.write)
        if args.guard:
            fams = [f"tree:{lib}" for lib in libraries]
            band_guard(args.write, [{**r, "base_family": f"tree:{r['arch']}"} for r in rows],
                       args.write, fams)
        print(f"wrote {args.write}: band entries of {', '.join(libraries)} = {design}, C {c}, "
              f"{sum(r['arch'] in libraries for r in rows)} readings")
        return
    today = {(r["zoo"], r["name"], r["draw"]): r for r in load(args.today)}
    both = [k for k in ((r["zoo"], r["name"], r["draw"]) for r in rows) if k in today]
    print(f"{len(rows)} candidate readings of {len({(r['zoo'], r['name']) for r in rows})} "
          f"trees, {len({pair_of(r['zoo']) for r in rows})} pairs; {len(both)} also read today")
    scored_today = scored(rows, SHIPPED)[0]
    designs = [d for d in args.designs.split(",") if d]
    fits = {(d, c): held_out(rows, d, float(c)) for d in designs for c in args.cs.split(",")}
    every = {(r["zoo"], r["name"], r["draw"]) for r in rows}
    for library in LIBRARIES:
        print(library)
        for title, pick in (("on the readings today's default also read", set(both)),
                            ("every --rows reading", every)):
            print(f"  {title}")
            if pick == set(both):
                stored = picked([today[k] for k in both], library, pick)
                print(line("today's readings, stored p (the default of their day)", stored))
            print(line("--rows readings, today's shipped file",
                       picked(scored_today, library, pick)))
            for (d, c), got in fits.items():
                print(line(f"--rows readings, {d}, C {c} refitted one pair out",
                           picked(got, library, pick)))


if __name__ == "__main__":
    main()
