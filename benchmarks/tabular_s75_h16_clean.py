"""Which terms carry a 200-row file's clean flags, and LightGBM's band entry refitted to read
each class's bound recurrence (candidate L75; issue 16 stop 75, h16).

Reads committed 200-row readings (three files a model; a reading's file is its draw seed, the
number in its file's name: ``tabular_s72_h16_why.read_files``), scored by the shipped file.

``why``: per table and kind, the clean readings flagged and the backdoored ones caught; per
kind on ``--table``, the median of each band term's part of the logit (coef x standardised
value) for the clean flagged / clean passed / caught / missed readings and the class they name;
and each recorded feature's ROC-AUC (clean against backdoored, all and per target), the
strongest first.

``fit``: LightGBM's entry refitted one zoo pair out (``tabular_s72_h16_fit``'s report) for each
design and C, **with the range guard** (``tabular_band_guard``): each held-out pair's readings
outside the other pairs' range of a design's features are scored by today's entry, as the
shipped file would do with ``:out-of-range``. Printed with the backdoored models lost (D flags
on >= 2 of 3 files, the refit on fewer).

``fit --hinges``: each reading also gets ``lead_lo`` / ``lead_hi``, its lead below the 10th /
above the 90th percentile of the clean credit-default readings given (one quantile over all
pairs: a development look after stop 75's fresh reading, not a candidate), for designs that
read the lead on each side of a clean tree's.

``write``: the shipped file with the entry refitted on every reading given (``--fit
"design|C"``), its ``fitted_on.range`` over those readings and today's entry as its
``:out-of-range`` calibrator.

``m74``: XGBoost readings' clean flags and caught readings by table under ``--before`` (the
file before M74) and the shipped one (M74's entry; stored readings without ``tab_box_wide``
read ``tab_box_above`` as ``tab_box``, so M74 moves only readings taken with the wide box), and
with ``--readme`` the README line's readings and clean twins flagged under each.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s75_h16_clean.py why --rows R200.json ...
    PYTHONPATH=src:benchmarks python benchmarks/tabular_s75_h16_clean.py fit --rows ... \
        --designs "box + mass_group + recur + lead + flip_2" --cs 1
    PYTHONPATH=src:benchmarks python benchmarks/tabular_s75_h16_clean.py write --rows ... \
        --fit "box + mass_group + recur + lead + flip_2|1" --out CAL.json
"""

from __future__ import annotations

import argparse
import tempfile
from collections import Counter
from dataclasses import asdict
from pathlib import Path

import numpy as np

from tabular_band_guard import ranges
from tabular_s64_h16_band_refit import SHORT, features_of, kind, pair_of, with_entry
from tabular_s72_h16_fit import KEY, SHIPPED, TODAY, report
from tabular_s72_h16_rule import models_lost, readme_both
from tabular_s72_h16_why import read_files
from tabular_small_clean import _auc
from tabular_user_rule import scored
from trojanscope.detect.calibration import load_calibrators, save_calibrators
from trojanscope.detect.calibration_range import OUT_OF_RANGE
from trojanscope.detect.read_as import read_as
from trojanscope.detect.tabular_gap_raise import TERM, gap_lift

FAMILY = KEY.removeprefix("tabular-search:")
KINDS = ("lightgbm", "xgboost", "mlp")
CANDIDATE = "box + mass_group + recur + lead + flip_2"


def counts(rows: list[dict]) -> str:
    clean = [r for r in rows if not r["backdoored"]]
    bd = [r for r in rows if r["backdoored"]]
    return (f"clean flagged {sum(r['probability'] >= 0.5 for r in clean)}/{len(clean)}, caught "
            f"{sum(r['probability'] >= 0.5 for r in bd)}/{len(bd)}")


def parts(r: dict, cals: dict) -> tuple[list[str], np.ndarray, float]:
    """The band entry's features, each term's part of the logit, the gap term's lift."""
    key = f"tabular-search:{r['family']}"
    cal = cals[key]
    x = read_as(cal.features, r["features"])
    mean = cal.mean or [0.0] * len(cal.features)
    scale = cal.scale or [1.0] * len(cal.features)
    got = np.asarray([w * (x[f] - m) / s for f, w, m, s
                      in zip(cal.features, cal.coef, mean, scale, strict=True)])
    gap = cals.get(f"{key}:{TERM}")
    return cal.features, got, gap_lift(gap, x) if gap is not None else 0.0


def why(rows: list[dict], table: str) -> None:
    cals = load_calibrators(SHIPPED)
    for t in sorted({r["table"] for r in rows}):
        for k in KINDS:
            mine = [r for r in rows if r["table"] == t and kind(r) == k]
            if mine:
                print(f"{t} {k}: {counts(mine)}")
    groups = {"clean flagged": lambda r: not r["backdoored"] and r["probability"] >= 0.5,
              "clean passed": lambda r: not r["backdoored"] and r["probability"] < 0.5,
              "caught": lambda r: r["backdoored"] and r["probability"] >= 0.5,
              "missed": lambda r: r["backdoored"] and r["probability"] < 0.5}
    for k in KINDS:
        mine = [r for r in rows if r["table"] == table and kind(r) == k]
        if not mine:
            continue
        print(f"\n{table} {k} ({mine[0]['family']}): median part of the logit per term")
        for name, sel in groups.items():
            got = [r for r in mine if sel(r)]
            if not got:
                continue
            feats = parts(got[0], cals)[0]
            p = np.asarray([parts(r, cals)[1] for r in got])
            lifted = sum(parts(r, cals)[2] > 0 for r in got)
            named = Counter(r["predicted_target"] for r in got)
            terms = " ".join(f"{f.removeprefix('tab_')} {np.median(p[:, i]):+.2f}"
                             for i, f in enumerate(feats))
            print(f"  {name:13s} {len(got):3d}: {terms}; gap lift on {lifted}; named "
                  f"0 {named[0]}, 1 {named[1]}")
        aucs = []
        names = set.intersection(*[set(r["features"]) for r in mine]) - {"calibrated"}
        clean = [r for r in mine if not r["backdoored"]]
        for f in sorted(names):
            one = []
            for target in (None, 0, 1):
                sub = clean + [r for r in mine if r["backdoored"]
                               and target in (None, r["target"])]
                one.append(_auc([{**r, "probability": float(r["features"][f])} for r in sub]))
            aucs.append((abs(one[0] - 0.5), f, one))
        print("  ROC-AUC of each feature, clean against backdoored (all; target 0; target 1):")
        for _, f, (a, t0, t1) in sorted(aucs, reverse=True)[:10]:
            print(f"    {f:26s} {a:.3f}; {t0:.3f}; {t1:.3f}")


def guarded(train: list[dict], design: str, c: float) -> dict:
    """The shipped calibrators with LightGBM's entry refitted on ``train``, its range over
    ``train`` and today's entry as its out-of-range calibrator."""
    cals = with_entry(KEY, train, features_of(design), "none", c)
    today = load_calibrators(SHIPPED)[KEY]
    cals[KEY].fitted_on["range"] = ranges(train, cals[KEY].features)
    cals[f"{KEY}:{OUT_OF_RANGE}"] = type(today)(**{**asdict(today),
                                                   "method": f"{KEY}:{OUT_OF_RANGE}"})
    return cals


def held_out(rows: list[dict], design: str, c: float) -> list[dict]:
    """Each pair's readings scored by the guarded refit on the other pairs' readings."""
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cal.json"
        for pair in sorted({pair_of(r["zoo"]) for r in rows}):
            save_calibrators(guarded([r for r in rows if pair_of(r["zoo"]) != pair],
                                     design, c), path)
            out += scored([r for r in rows if pair_of(r["zoo"]) == pair], path)[0]
    return out


def hinges(rows: list[dict]) -> None:
    """Each reading's lead below the clean credit-default 10th percentile and above the 90th
    (``lead_lo``, ``lead_hi``), named in ``SHORT`` so that designs can read them."""
    lead = "tab_major_recur_lead"
    clean = [r["features"][lead] for r in rows
             if not r["backdoored"] and r["table"] == "credit-default"]
    lo, hi = (float(q) for q in np.quantile(clean, [0.1, 0.9]))
    print(f"clean credit-default lead: 10th percentile {lo:.3f}, 90th {hi:.3f}")
    for r in rows:
        r["features"]["lead_lo"] = max(lo - r["features"][lead], 0.0)
        r["features"]["lead_hi"] = max(r["features"][lead] - hi, 0.0)
    SHORT.update(lead_lo="lead_lo", lead_hi="lead_hi")


def m74(rows: list[dict], before: Path, readme: list[str]) -> None:
    xgb = [r for r in rows if kind(r) == "xgboost"]
    wide = sum("tab_box_wide" in r["features"] for r in xgb)
    print(f"{len(xgb)} XGBoost readings, {wide} read with the wide box")
    for name, path in (("before M74", before), ("M74 (shipped)", SHIPPED)):
        got = scored(xgb, path)[0]
        for t in sorted({r["table"] for r in got}):
            mine = [r for r in got if r["table"] == t]
            print(f"  {name}, {t}: {counts(mine)}; read with the wide box: "
                  f"{counts([r for r in mine if 'tab_box_wide' in r['features']])}")
    if readme:  # C = M74 (the shipped file), D = the file before it
        print(f"  README line (today's readings), M74 against before: "
              f"{readme_both(readme, SHIPPED, before)[0]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("what", choices=("why", "fit", "write", "m74"))
    ap.add_argument("--rows", nargs="+", required=True)
    ap.add_argument("--table", default="credit-default")
    ap.add_argument("--designs", default=f"{TODAY},{CANDIDATE}")
    ap.add_argument("--cs", default="1")
    ap.add_argument("--fit", default=f"{CANDIDATE}|1")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--hinges", action="store_true", help="fit: lead_lo and lead_hi too")
    ap.add_argument("--readme", nargs="*", default=[], help="m74: README-line readings too")
    ap.add_argument("--before", type=Path,
                    default=Path("benchmarks/data/tabular_s74_h16w/calibration_before_s74w.json"))
    args = ap.parse_args()
    rows, _ = scored(read_files(args.rows), SHIPPED)
    if args.what == "why":
        why(rows, args.table)
        return
    if args.what == "m74":
        m74(rows, args.before, args.readme)
        return
    rows = [r for r in rows if r["family"] == FAMILY]
    print(f"{len(rows)} LightGBM readings of {len({(r['zoo'], r['name']) for r in rows})} "
          f"models, {len({pair_of(r['zoo']) for r in rows})} pairs")
    if args.what == "write":
        if args.out is None:
            raise SystemExit("error: write needs --out")
        design, c = args.fit.split("|")
        save_calibrators(guarded(rows, design, float(c)), args.out)
        load_calibrators(args.out)  # the written file loads
        print(f"wrote {args.out}: {KEY} = {design}, C {c}, range over {len(rows)} readings, "
              f"today's entry as {KEY}:{OUT_OF_RANGE}")
        return
    if args.hinges:
        hinges(rows)
    print(f"today's shipped entry: {counts(rows)}")
    for design in args.designs.split(","):
        for c in (float(x) for x in args.cs.split(",")):
            got = held_out(rows, design, c)
            report(f"{design}, C {c:g} (one pair out, guarded)", rows, got, False)
            gone = models_lost(rows, got)
            print(f"  models lost: {len(gone)} {', '.join(gone)}")
            for t in (0, 1):
                for table in sorted({r["table"] for r in got}):
                    a = [r for r in rows if r["table"] == table and r["target"] in (None, t)]
                    b = [r for r in got if r["table"] == table and r["target"] in (None, t)]
                    if any(r["backdoored"] for r in a):
                        print(f"  {table} target {t}: today {counts(a)}; refit {counts(b)}")


if __name__ == "__main__":
    main()
