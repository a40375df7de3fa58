"""LightGBM's 200-row band entry reading the matched wide box guarded where the top ten's box is
high (candidate G78; issue 16 stop 78, h16).

Stop 77 (W77) put ``tab_box_wide`` (``tab_box`` over the 80 most missed leaves) in the band
entry's ``tab_box`` place, its centre and scale matched on clean readings so that a clean tree
reads as it did on average: lower cross-entropy, but backdoors near 0.5 whose ten boxes read
high and whose wide box reads lower fell under 0.5 (5 models lost in development, 1 fresh).
The guard: the matched wide box ``w`` (in ``tab_box``'s units) replaces ``tab_box`` (``b``)
where it reads higher (as M74 does for XGBoost), and where it reads lower only while ``b``
itself reads low (under ``tau``): a reading falls only where both boxes read low.

Forms (``--forms``): ``place`` (W77: ``w``), ``above`` (``max(b, w)``: never falls),
``guard`` (``w`` if ``w >= b`` or ``b < tau``, else ``b``), ``lower`` (``min(b, w)`` where
``b < tau``, else ``b``: never rises). ``tau`` is a quantile (``--quantiles``) of ``tab_box``
over the clean readings the map is matched on.

``dev``: one zoo pair out: the map (``w``'s centre and scale) and ``tau`` from the other
pairs' clean readings; each form scored by the shipped file with ``tab_box`` replaced
(``tabular_s72_h16_fit.report`` and the backdoored models lost, as stop 77 printed; the
credit-default LightGBM cross-entropy and the worst family's to four places).

``write``: the candidate (``--form``, ``--quantile``) with its map and ``tau`` from every
reading given, as JSON to ``--out``.

``rule``: the fresh judgement (``benchmarks/data/tabular_s78_h16/plan.md``), stop 77's nine
conditions (``tabular_s77_h16_wide.conditions``): ``--file0`` ... ``--file2`` each file's
readings (LightGBM read with ``-p box_wide=80``), D = them scored by ``--shipped``, C = the
LightGBM band readings with the candidate's box in ``tab_box``'s place, scored by the same
file (every other reading as D); ``--today`` file 0's LightGBM models by today's default (D's
time; the wide box moves no p); ``--readme`` the README line (XGBoost: C = D).

``fell`` (after the rule, not a condition): the LightGBM readings of ``--rows`` whose box the
candidate lowers, and the flagged ones' p under D and C.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s78_h16_guard.py dev --rows R200.json... \
        [--forms place,guard,lower] [--quantiles 0.5,0.75,0.9]
    PYTHONPATH=src:benchmarks python benchmarks/tabular_s78_h16_guard.py write --rows R200.json... \
        --form lower --quantile 0.6 --out G78.json
    PYTHONPATH=src:benchmarks python benchmarks/tabular_s78_h16_guard.py rule --candidate G78.json \
        --file0 ... --file1 ... --file2 ... --today ... --readme ...
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from tabular_s64_h16_band_refit import kind, pair_of
from tabular_s64_h16_rule import CD, complete, rows_of, show, worst_ce
from tabular_s67_h16_rule import verdict
from tabular_s70_h16_rule import key
from tabular_s72_h16_rule import readme_both
from tabular_s72_h16_rule import turned as show_turned
from tabular_s77_h16_wide import (
    FAMILY,
    WIDE,
    conditions,
    entry_report,
    rule_inputs,
    today_pairs,
    wide_rows,
)
from tabular_small_clean import _auc, _ce
from tabular_user_rule import scored

BOX = "tab_box"
FORMS = ("place", "above", "guard", "lower")


def wide_map(rows: list[dict]) -> tuple[float, float, float, float]:
    """``tab_box``'s and the wide box's mean and spread over the clean readings of ``rows``
    (``tabular_s74_h16_fit.substituted``'s match: ``w = mb + (wide - mw) * sb / sw``)."""
    clean = [r["features"] for r in rows if not r["backdoored"]]
    b = np.asarray([f[BOX] for f in clean])
    w = np.asarray([f[WIDE] for f in clean])
    return float(b.mean()), float(b.std()), float(w.mean()), float(w.std())


def guarded_box(box: float, wide: float, form: str, match: tuple[float, float, float, float],
                tau: float) -> float:
    """The value read in ``tab_box``'s place by ``form`` (the module's forms)."""
    mb, sb, mw, sw = match
    w = mb + (wide - mw) * sb / sw
    if form == "place":
        return w
    if form == "above":
        return max(box, w)
    if form == "guard":
        return w if (w >= box or box < tau) else box
    if form == "lower":
        return min(box, w) if box < tau else box
    raise SystemExit(f"error: unknown form {form!r} (one of {', '.join(FORMS)})")


def with_box(rows: list[dict], form: str, match: tuple[float, float, float, float],
             tau: float) -> list[dict]:
    """``rows`` with ``tab_box`` replaced by :func:`guarded_box`."""
    return [{**r, "features": {**r["features"], BOX: guarded_box(
        r["features"][BOX], r["features"][WIDE], form, match, tau)}} for r in rows]


def held(rows: list[dict], form: str, q: float, shipped: Path) -> list[dict]:
    """Each pair's readings scored by ``shipped`` with the form's box, the map and ``tau``
    (quantile ``q`` of the clean ``tab_box``) from the other pairs' clean readings."""
    out = []
    for pair in sorted({pair_of(r["zoo"]) for r in rows}):
        train = [r for r in rows if pair_of(r["zoo"]) != pair]
        tau = float(np.quantile([r["features"][BOX] for r in train if not r["backdoored"]], q))
        mine = [r for r in rows if pair_of(r["zoo"]) == pair]
        out += scored(with_box(mine, form, wide_map(train), tau), shipped)[0]
    return out


def dev(args: argparse.Namespace) -> None:
    rows = wide_rows(args.rows, args.shipped)
    pairs = sorted({pair_of(r["zoo"]) for r in rows})
    print(f"{len(rows)} LightGBM readings with {WIDE}, "
          f"{len({(r['zoo'], r['name']) for r in rows})} models, {len(pairs)} pairs: "
          f"{', '.join(pairs)}")
    entry_report("today's shipped entry (D)", rows, rows, False)
    tried = 0
    for form in args.forms.split(","):
        for q in ([0.0] if form in ("place", "above") else
                  [float(x) for x in args.quantiles.split(",")]):
            tried += 1
            tag = f"{form}" + ("" if form in ("place", "above") else f", tau = clean q{q:g}")
            got = held(rows, form, q, args.shipped)
            entry_report(f"{tag} (one pair out)", rows, got, args.per_pair)
            print(f"  four places: {ces(got)} (D: {ces(rows)})")
            if args.clean_turned:
                clean_turned(rows, got)
    print(f"{tried} variants")


def clean_turned(today: list[dict], got: list[dict]) -> None:
    """The clean readings the form takes under 0.5 and over it, with their ``tab_box``
    (median, and each one taken under)."""
    mine = {key(r): r["probability"] for r in got}
    down = [r for r in today if not r["backdoored"] and r["probability"] >= 0.5 > mine[key(r)]]
    up = [r for r in today if not r["backdoored"] and r["probability"] < 0.5 <= mine[key(r)]]
    for name, sel in (("under 0.5", down), ("over 0.5", up)):
        med = float(np.median([r["features"][BOX] for r in sel])) if sel else float("nan")
        print(f"  clean readings taken {name}: {len(sel)}, median tab_box {med:.3f}")
    for r in down:
        print(f"    {r['zoo']}/{r['name']}@{r['draw']}: tab_box {r['features'][BOX]:.3f}, p "
              f"{r['probability']:.2f} -> {mine[key(r)]:.2f}")


def ces(rows: list[dict]) -> str:
    """Credit-default LightGBM ROC-AUC and cross-entropy and the worst family's cross-entropy,
    to four places (``rows``: LightGBM's; in ``rule`` the LightGBM readings are picked)."""
    cd = [r for r in rows if r["table"] == CD and kind(r) == "lightgbm"]
    return (f"credit-default LightGBM {_auc(cd):.4f} / {_ce(cd):.4f}, worst family CE "
            f"{worst_ce(rows):.4f}")


def write(args: argparse.Namespace) -> None:
    """The candidate fitted on every reading given: form, quantile, ``tau``, the map."""
    rows = wide_rows(args.rows, args.shipped)
    clean = [r["features"][BOX] for r in rows if not r["backdoored"]]
    got = {"form": args.form, "quantile": args.quantile,
           "tau": float(np.quantile(clean, args.quantile)), "match": list(wide_map(rows)),
           "n_clean": len(clean), "n_readings": len(rows),
           "design": "issue 16 stop 78 (h16), G78: the matched wide box in tab_box's place in "
                     "tabular-search:tree:lightgbm:rows200 (w = mb + (tab_box_wide - mw) * sb / "
                     "sw, match = [mb, sb, mw, sw] on the clean readings), by form "
                     "(benchmarks/tabular_s78_h16_guard.py guarded_box)"}
    args.out.write_text(json.dumps(got, indent=1) + "\n")
    print(f"wrote {args.out}: {args.form}, tau {got['tau']:.4f} (clean q{args.quantile:g} of "
          f"{len(clean)}), match {', '.join(f'{v:.4f}' for v in got['match'])}")


def candidate_scored(rows: list[dict], cand: dict, shipped: Path) -> list[dict]:
    """``rows`` scored by ``shipped`` with the candidate's box in the LightGBM band readings
    (every other reading as it is)."""
    def one(r: dict) -> dict:
        if r["family"] != FAMILY:
            return r
        return with_box([r], cand["form"], tuple(cand["match"]), cand["tau"])[0]
    return scored([one(r) for r in rows], shipped)[0]


def rule(args: argparse.Namespace) -> None:
    cand = json.loads(args.candidate.read_text())
    wide = complete([x for k in range(3) for x in rows_of(getattr(args, f"file{k}"), k)])
    bare = [x for x in wide if x["family"] == FAMILY and WIDE not in x["features"]]
    if bare:
        raise SystemExit(f"error: {len(bare)} LightGBM band readings without {WIDE}")
    d = sorted(scored(wide, args.shipped)[0], key=key)
    c = sorted(candidate_scored(wide, cand, args.shipped), key=key)
    pairs = today_pairs(d, args.today)
    print(f"candidate {args.candidate.name}: {cand['form']}, tau {cand['tau']:.4f}; "
          f"{len(d)} readings of {len({(x['zoo'], x['name']) for x in d})} models read on all "
          "three files")
    show("D (today's default), 200 rows", d)
    show("C (the candidate), 200 rows", c)
    show_turned(d, c)
    print(f"four places: C {ces(c)}; D {ces(d)}")
    verdict(conditions(d, c, pairs, readme_both(args.readme, args.shipped, args.shipped)))


def fell(args: argparse.Namespace) -> None:
    """After the rule (not a condition): the LightGBM band readings of ``--rows`` whose box the
    candidate lowers, and each flagged one's p under D and C."""
    cand = json.loads(args.candidate.read_text())
    d = wide_rows(args.rows, args.shipped)
    c = candidate_scored(d, cand, args.shipped)
    low = [(a, b) for a, b in zip(d, c, strict=True) if b["probability"] < a["probability"]]
    print(f"{len(low)} of {len(d)} LightGBM readings lowered by {args.candidate.name} "
          f"(clean {sum(not a['backdoored'] for a, _ in low)}); of them flagged by D:")
    for a, b in sorted(low, key=lambda ab: ab[0]["probability"]):
        if a["probability"] >= 0.5:
            tag = f"target {a['target']}" if a["backdoored"] else "clean"
            print(f"  {a['zoo']}/{a['name']}@{a['draw']} ({tag}): p {a['probability']:.3f} -> "
                  f"{b['probability']:.3f}; tab_box {a['features'][BOX]:.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("step", choices=("dev", "write", "rule", "fell"))
    ap.add_argument("--rows", nargs="*", default=[])
    ap.add_argument("--form", default="lower", choices=FORMS)
    ap.add_argument("--quantile", type=float, default=0.6)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--candidate", type=Path)
    for k in range(3):
        ap.add_argument(f"--file{k}", nargs="*", default=[])
    ap.add_argument("--today", nargs="*", default=[])
    ap.add_argument("--readme", nargs="*", default=[])
    ap.add_argument("--forms", default="place,guard,lower")
    ap.add_argument("--quantiles", default="0.5,0.75,0.9")
    ap.add_argument("--per-pair", action="store_true")
    ap.add_argument("--clean-turned", action="store_true",
                    help="dev: the clean readings each form turns, with their tab_box")
    ap.add_argument("--shipped", type=Path, default=Path(__file__).resolve().parents[1]
                    / "src/trojanscope/detect/calibration.json")
    args = ap.parse_args()
    if args.step == "rule":
        rule_inputs(args)
        rule(args)
    elif not args.rows:
        raise SystemExit(f"error: {args.step} needs --rows")
    elif args.step == "dev":
        dev(args)
    elif args.step == "fell":
        if args.candidate is None:
            raise SystemExit("error: fell needs --candidate")
        fell(args)
    elif args.out is None:
        raise SystemExit("error: write needs --out")
    else:
        write(args)


if __name__ == "__main__":
    main()
