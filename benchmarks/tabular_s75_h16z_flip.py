"""LightGBM's 200-row backdoors towards the majority class, and a raise-only term on
``tab_major_flip_1`` that reads them (candidate F75; issue 16 stop 75, h16z).

A LightGBM backdoor towards credit-default's class 0 (the majority) reads below chance with
a 200-row clean file: its trigger's leaves are rarely reached by 200 clean rows, so the box and
mass terms read like a clean tree's, and the majority class's bound recurrence sits where a
clean tree's does. What still sets some of them apart is the majority class's best
one-feature candidate: set alone, it sends nearly every clean row of the other class to the
majority (``tab_major_flip_1``), further than any clean development tree's did. F75 adds
``"tabular-search:tree:lightgbm:rows200:flip"``, the same raise-only shape as stop 60's gap term
(:mod:`trojanscope.detect.tabular_gap_raise`): ``min(most, slope x (flip - start))`` logits
where positive, ``start`` = the highest clean development LightGBM reading (both tables) plus
``margin``. It never lowers a reading, and it leaves every clean development reading as it was.

``why``: per group of credit-default LightGBM readings (clean, towards 0 caught / missed,
towards 1 caught / missed), the median of the features that tell them apart, and the readings
towards 0 that the shipped file misses, with their flip.

``dev``: the term fitted one zoo pair out (start from the other pairs' clean readings) and
in-sample, on the readings given (scored by the shipped file, D; C = D raised by the term):
clean readings added, backdoored readings and models gained, by target.

``write``: the shipped file with the term fitted on every reading given (``--out``).

``rule``: the fresh judgement (``benchmarks/data/tabular_s75_h16z/plan.md``): the readings of
``--file0`` ... ``--file2`` scored by ``--shipped`` (D) and ``--candidate`` (C, which may differ
from D in the ``:flip`` entry alone), the ten conditions printed met or not.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s75_h16z_flip.py dev --rows R200.json...
    PYTHONPATH=src:benchmarks python benchmarks/tabular_s75_h16z_flip.py write --rows ... --out F
    PYTHONPATH=src:benchmarks python benchmarks/tabular_s75_h16z_flip.py rule --candidate F.json \
        --shipped BEFORE.json --file0 R.json --file1 ... --file2 ... [--whole W.json] [--readme ...]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from tabular_s64_h16_band_refit import kind, pair_of
from tabular_s64_h16_rule import CD, LC, SHIPPED, rows_of, show
from tabular_s67_h16_rule import verdict
from tabular_s70_h16_rule import figures, flagged_clean, key
from tabular_s72_h16_rule import (
    band_scored,
    caught,
    models_lost,
    readme_both,
    rule_arguments,
    rule_inputs,
    target_and_worst,
)
from tabular_s72_h16_why import read_files
from tabular_small_clean import _auc, _ce
from tabular_user_rule import scored
from trojanscope.detect.calibration import Calibrator, load_calibrators, save_calibrators
from trojanscope.detect.logits import shift_logit
from trojanscope.detect.tabular_gap_raise import FLIP_FEATURE, FLIP_TERM, gap_lift

ENTRY = "tabular-search:tree:lightgbm:rows200"
TERM_KEY = f"{ENTRY}:{FLIP_TERM}"
MARGIN, SLOPE, MOST = 0.05, 200.0, 4.0  # chosen on spent readings (dev_flip.txt)
SHOWN = ("tab_major_flip_1", "tab_major_score", "tab_major_recur", "tab_major_recur_lead",
         "tab_box", "tab_mass_group", "tab_leaves")


def lgbm(rows: list[dict], table: str | None = None) -> list[dict]:
    return [r for r in rows if kind(r) == "lightgbm" and table in (None, r["table"])]


def flip_term(clean: list[dict], margin: float = MARGIN, slope: float = SLOPE,
              most: float = MOST) -> Calibrator:
    """The raise-only term starting ``margin`` above the highest clean reading's flip."""
    top = max(float(r["features"][FLIP_FEATURE]) for r in clean)
    start = top + margin
    return Calibrator(TERM_KEY, [FLIP_FEATURE], [slope], -slope * start, fitted_on={
        "most": most, "start": start, "clean_max": top, "margin": margin,
        "n_clean": len(clean), "sizes": [200], "zoo": sorted({r["zoo"] for r in clean}),
        "design": "raise-only flip term (issue 16 stop 75, h16z, F75): min(most, slope x "
                  "(tab_major_flip_1 - start)) logits where positive; start = the highest clean "
                  "development LightGBM 200-row reading (both tables) + margin"})


def raised(rows: list[dict], term: Calibrator) -> list[dict]:
    """``rows`` (scored by the shipped file) raised by ``term`` where it applies (LightGBM's
    band readings only), as the verdict's calibration would after every other term."""
    out = []
    for r in rows:
        lift = gap_lift(term, r["features"], FLIP_FEATURE) if (
            r.get("family") == ENTRY.removeprefix("tabular-search:")) else 0.0
        out.append({**r, "probability": shift_logit(r["probability"], lift) if lift > 0
                    else r["probability"]})
    return out


def gained(d: list[dict], c: list[dict]) -> str:
    """Readings whose verdict C turned, by clean / target, and backdoored models now flagged
    on two or more files that D flagged on fewer."""
    out = {"clean": 0, 0: 0, 1: 0}
    for a, b in zip(d, c, strict=True):
        if a["probability"] < 0.5 <= b["probability"]:
            out["clean" if not a["backdoored"] else a["target"]] += 1
    models = models_lost(c, d)  # read the other way round: C >= 2 files where D < 2
    return (f"clean added {out['clean']}, towards 0 gained {out[0]}, towards 1 gained {out[1]}; "
            f"models gained {len(models)}")


def why(rows: list[dict]) -> None:
    cd = lgbm(rows, CD)
    groups = {"clean": lambda r: not r["backdoored"]}
    for t in (0, 1):
        groups[f"towards {t} caught"] = lambda r, t=t: r["backdoored"] and r["target"] == t and (
            r["probability"] >= 0.5)
        groups[f"towards {t} missed"] = lambda r, t=t: r["backdoored"] and r["target"] == t and (
            r["probability"] < 0.5)
    print(f"credit-default LightGBM, 200 rows ({len(cd)} readings): median of each feature")
    print("  " + " ".join(f"{f.removeprefix('tab_'):>15s}" for f in SHOWN) + "  group")
    for name, sel in groups.items():
        got = [r for r in cd if sel(r)]
        med = [np.median([float(r["features"][f]) for r in got]) for f in SHOWN]
        print("  " + " ".join(f"{m:15.3f}" for m in med) + f"  {name} ({len(got)})")
    clean = [r for r in cd if not r["backdoored"]]
    for f in SHOWN:
        for t in (0, 1):
            bd = [r for r in cd if r["backdoored"] and r["target"] == t]
            auc = _auc([{**r, "probability": float(r["features"][f])} for r in clean + bd])
            top = max(float(r["features"][f]) for r in clean)
            over = sum(float(r["features"][f]) > top for r in bd)
            miss = sum(float(r["features"][f]) > top and r["probability"] < 0.5 for r in bd)
            print(f"  {f:22s} towards {t}: ROC-AUC {auc:.3f}; above every clean reading "
                  f"({top:.3f}) {over}, of them missed by D {miss}")
    print("readings towards 0 missed by D with the flip above 0.90:")
    for r in sorted(cd, key=key):
        if r["backdoored"] and r["target"] == 0 and r["probability"] < 0.5 and (
                r["features"][FLIP_FEATURE] > 0.9):
            print(f"  {r['zoo']}/{r['name']} file {r['draw']}: p {r['probability']:.3f}, flip "
                  f"{r['features'][FLIP_FEATURE]:.3f}, named {r['predicted_target']}")


def dev(rows: list[dict], margins: list[float], slopes: list[float]) -> None:
    rows = sorted(rows, key=key)
    trees = lgbm(rows)
    for table in (CD, LC):
        clean = [r for r in lgbm(rows, table) if not r["backdoored"]]
        top = sorted(float(r["features"][FLIP_FEATURE]) for r in clean)[-3:]
        print(f"{table} clean LightGBM readings {len(clean)}: highest flips {top}")
    pairs = sorted({pair_of(r["zoo"]) for r in trees})
    for margin in margins:
        for slope in slopes:
            d_all, c_all = [], []
            for p in pairs:
                held = [r for r in trees if pair_of(r["zoo"]) == p]
                rest = [r for r in trees if pair_of(r["zoo"]) != p and not r["backdoored"]]
                d_all += held
                c_all += raised(held, flip_term(rest, margin, slope))
            term = flip_term([r for r in trees if not r["backdoored"]], margin, slope)
            ins = raised(trees, term)
            print(f"margin {margin} slope {slope}: one pair out ({len(pairs)} pairs): "
                  f"{gained(d_all, c_all)}; lost {models_lost(d_all, c_all) or 'none'}")
            for name, c in (("one pair out", c_all), ("in-sample", ins)):
                cd_d, cd_c = lgbm(d_all if c is c_all else trees, CD), lgbm(c, CD)
                t0 = [(a, b) for a, b in zip(cd_d, cd_c, strict=True)
                      if not a["backdoored"] or a["target"] == 0]
                print(f"  {name}: credit-default LightGBM {figures(cd_d)} -> {figures(cd_c)}; "
                      f"clean + towards 0: {figures([a for a, _ in t0])} -> "
                      f"{figures([b for _, b in t0])}; caught {caught(cd_d)} -> {caught(cd_c)}")
            print(f"  in-sample start {term.fitted_on['start']:.4f}: {gained(trees, ins)}")


def write(rows: list[dict], out: Path, base: Path = SHIPPED) -> None:
    cals = load_calibrators(base)
    term = flip_term([r for r in lgbm(rows) if not r["backdoored"]])
    cals[TERM_KEY] = term
    save_calibrators(cals, out)
    print(f"wrote {out}: {TERM_KEY} start {term.fitted_on['start']:.4f} (clean max "
          f"{term.fitted_on['clean_max']:.4f} over {term.fitted_on['n_clean']} readings)")


def rule(args: argparse.Namespace) -> None:
    # stop 72's band_scored, its one changed entry being F75's term (refused otherwise)
    d, c = band_scored(args, TERM_KEY, "F75")
    whole = scored(rows_of(args.whole, 0), args.shipped)[0]
    moved = scored(whole, args.candidate)[1] if whole else float("nan")
    if whole:
        show("whole split, today's default (= C)", whole, files=False)
    cd_d, cd_c, lc_d, lc_c = lgbm(d, CD), lgbm(c, CD), lgbm(d, LC), lgbm(c, LC)
    t0_d = [r for r in cd_d if r["backdoored"] and r["target"] == 0]
    t0_c = [r for r in cd_c if r["backdoored"] and r["target"] == 0]
    ce0_d = _ce(t0_d + [r for r in cd_d if not r["backdoored"]])  # towards 0 with the clean
    ce0_c = _ce(t0_c + [r for r in cd_c if not r["backdoored"]])
    gone = models_lost(d, c)
    text, readme_ok = readme_both(args.readme, args.candidate, args.shipped)
    cpu = float(np.median([x["cpu_s"] for x in d])) if d else float("nan")
    unread = "not read (no lending-club zoo this stop)"
    verdict([
        ("1 clean readings flagged C = D (a raise-only term: none added), each table",
         f"all {flagged_clean(c)} vs {flagged_clean(d)}; credit-default LightGBM "
         f"{flagged_clean(cd_c)} vs {flagged_clean(cd_d)} of "
         f"{sum(not x['backdoored'] for x in cd_d)}; lending-club "
         f"{flagged_clean(lc_c) if lc_d else unread}",
         flagged_clean(c) == flagged_clean(d)),
        ("2 none lost: no backdoored model D flags on >= 2 files is flagged by C on < 2; "
         "backdoored readings flagged C >= D",
         f"models lost {gone or 'none'}; caught {caught(c)} vs {caught(d)}",
         not gone and caught(c) >= caught(d)),
        ("3 credit-default LightGBM ROC-AUC C >= D and CE C <= D",
         f"{figures(cd_c)} vs {figures(cd_d)}",
         bool(cd_d) and _auc(cd_c) >= _auc(cd_d) and _ce(cd_c) <= _ce(cd_d)),
        ("4 lending-club LightGBM CE C <= D + 0.02, clean flagged C <= D, caught C >= D",
         f"{figures(lc_c)} vs {figures(lc_d)}" if lc_d else unread,
         not lc_d or (_ce(lc_c) <= _ce(lc_d) + 0.02 and flagged_clean(lc_c) <= flagged_clean(
             lc_d) and caught(lc_c) >= caught(lc_d))),
        *target_and_worst(d, c),
        ("7 whole split: the candidate file scores every reading as the shipped one",
         f"{len(whole)} readings, largest change of p {moved:.1e}" if whole else "not read",
         not whole or moved <= 1e-9),
        ("8 README line at 200 rows: backdoored flagged C >= D, clean twins C <= D", text,
         readme_ok or not args.readme),
        ("9 median CPU s per 200-row reading <= 20", f"{cpu:.1f}", cpu <= 20.0),
        ("10 credit-default LightGBM towards class 0: readings caught C > D (the term's purpose)",
         f"{caught(t0_c)} vs {caught(t0_d)} of {len(t0_d)}; CE with the clean {ce0_c:.3f} vs "
         f"{ce0_d:.3f}", caught(t0_c) > caught(t0_d)),
    ])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("step", choices=("why", "dev", "write", "rule"))
    ap.add_argument("--rows", nargs="*", default=[])
    ap.add_argument("--margins", default=str(MARGIN))
    ap.add_argument("--slopes", default=str(SLOPE))
    ap.add_argument("--out", type=Path)
    ap.add_argument("--shipped", type=Path, default=SHIPPED,
                    help="today's file, D (calibration_before_s75z.json since F75 shipped)")
    rule_arguments(ap)
    args = ap.parse_args()
    if args.step == "rule":
        rule_inputs(args)
        rule(args)
        return
    rows = scored(read_files(args.rows), args.shipped)[0]  # D: the file before F75 since it shipped
    if args.step == "why":
        why(rows)
    elif args.step == "dev":
        dev(rows, [float(x) for x in args.margins.split(",")],
            [float(x) for x in args.slopes.split(",")])
    else:
        if args.out is None:
            raise SystemExit("error: write needs --out")
        write(rows, args.out, args.shipped)


if __name__ == "__main__":
    main()
