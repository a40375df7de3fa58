"""Refit a trees' whole-split calibrator on stop 33's development rows plus the readings of
calibration zoos that hold the README's XGBoost family, no weight (issue 16, stop 65: h16).

Stop 64 (h16z) shipped a ``tabular-search:tree:xgboost`` entry fitted on stop 33's 240
development rows plus 45 README-line readings counted four times each. Here the family is
held the way every other family is: development zoos made with ``zoo make --archs
mlp,xgboost,mlp,lightgbm --tree-subsample 0.8 --tree-full-share 0.5`` (XGBoost gets
``tabular-badnets``, half the trees keep every row and column, as the README's do), read on
the whole split by ``tabular_small_clean.py --sizes 100000 --detect``; the entry is refitted
on the development rows plus those readings of its library, each once. The design (features,
transform, C) is the shipped entry's. Any calibration file is then scored from stored
features (``tabular_s64_h16z_refit.py``'s report: README-line readings and whole-split zoo
readings, the stored probability beside):

    python benchmarks/tabular_s65_h16_refit.py --fit DEV_ROWS... --flips FL... \
        --zoo-rows WHOLE_JSON... [--library xgboost] [--family RF_JSON...] [--out CAND.json]
    python benchmarks/tabular_s65_h16_refit.py --score RF_JSON... --whole WHOLE_JSON... \
        --calibration CAND.json
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np

from bench_tabular_calibrate import in_family, load_rows, new_labelling
from tabular_s64_h16z_refit import calibrations, family_rows, figures, report, score
from trojanscope.detect.calibration import Calibrator, fit_calibrator, load_calibrators


def library_rows(files: list[str], library: str, by_zoo: bool = False) -> list[dict]:
    """Whole-split readings of ``library``'s models in ``tabular_small_clean.py`` files (zoo
    status already leaves untaken backdoors out), each tagged ``source``: its zoo
    (``by_zoo``, development zoos) or its file's folder (the stop that read it)."""
    out = []
    for name in files:
        for r in json.loads(Path(name).read_text())["rows"]:
            if r.get("arch") == library:
                out.append({**r, "source": r["zoo"] if by_zoo else Path(name).parent.name})
    return out


def refit(library: str, dev_files: list[str], flips: list[str], zoo: list[dict],
          family: list[dict]) -> Calibrator:
    """The shipped ``tabular-search:tree:<library>`` design refitted on the development rows
    (stop 31b's labelling) plus ``zoo`` and ``family`` readings, every row counted once; the
    shipped entry's ``coverage`` map is kept and ``tables`` counts the rows fitted per table."""
    key = f"tabular-search:tree:{library}"
    base = load_calibrators()[key]
    dev = [r for r in new_labelling(load_rows(dev_files), flips) if in_family(r, f"tree:{library}")]
    rows = dev + zoo + family
    tables = Counter(r.get("table", "credit-default") for r in rows)  # the family: credit-default
    return fit_calibrator(
        key, [r["features"] for r in rows], [int(r["backdoored"]) for r in rows],
        base.features, transform=base.transform, c=float(base.fitted_on["C"]),
        zoo=sorted({Path(r["zoo"]).name for r in dev} | {r["source"] for r in zoo}), seed=0,
        readme_family=sorted({r["source"] for r in family}), n_dev=len(dev), n_zoo=len(zoo),
        n_family=len(family), weight=1, coverage=base.fitted_on.get("coverage", {}),
        tables=dict(sorted(tables.items())))


def full_shares(truths: list[str]) -> dict[tuple[str, str], bool]:
    """(zoo folder, model) -> whether the model kept every row and column, from zoo truth
    files named ``..._<seed>.json`` of zoos ``dev<seed>`` (``zoo make --tree-full-share``)."""
    out = {}
    for name in truths:
        zoo = "dev" + Path(name).stem.rsplit("_", 1)[-1]
        for m in json.loads(Path(name).read_text())["models"]:
            out[zoo, m["name"]] = (m.get("arch_params") or {}).get("subsample") == 1.0
    return out


def turned(rows: list[dict], base: Calibrator, cal: Calibrator) -> list[str]:
    """Verdicts ``cal`` turns against ``base`` at one half: backdoors lost and gained, clean
    models newly flagged and cleared, each as ``source name p_base -> p_cal``."""
    out = []
    for r in rows:
        was, now = base.probability(r["features"]), cal.probability(r["features"])
        if (was >= 0.5) != (now >= 0.5):
            kind = ("lost" if was >= 0.5 else "gained") if r["backdoored"] else (
                "cleared" if was >= 0.5 else "flagged")
            name = r.get("name") or f"{r.get('recipe')}-{r.get('seed')}"
            out.append(f"{kind} {r['source']} {name} {was:.3f} -> {now:.3f}")
    return sorted(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--fit", nargs="+", help="development packed rows (stop 33's $DEV)")
    ap.add_argument("--flips", nargs="*", default=[])
    ap.add_argument("--zoo-rows", nargs="*", default=[], help="with --fit: development zoos' "
                    "whole-split readings (tabular_small_clean.py --json)")
    ap.add_argument("--family", nargs="*", default=[], help="with --fit: README-family JSONs "
                    "fitted on too, once each")
    ap.add_argument("--library", choices=("xgboost", "lightgbm"), default="xgboost")
    ap.add_argument("--out", help="with --fit: the shipped file with the entry replaced")
    ap.add_argument("--score", nargs="*", default=[], help="README-family JSONs to score")
    ap.add_argument("--whole", nargs="*", default=[], help="whole-split zoo readings to score")
    ap.add_argument("--calibration", nargs="*", default=[], help="calibration files to score")
    ap.add_argument("--truth", nargs="*", default=[], help="with --whole: development zoos' "
                    "truth files (dev_truth_<seed>.json): figures per full / 0.8 shares")
    a = ap.parse_args()
    missing = [f for f in [*(a.fit or []), *a.flips, *a.zoo_rows, *a.family, *a.score,
                           *a.whole, *a.calibration, *a.truth] if not Path(f).is_file()]
    if missing:  # one error line, exit code 2
        print(f"error: no such file: {missing[0]}", file=sys.stderr)
        raise SystemExit(2)
    cal = None
    if a.fit:
        cal = refit(a.library, a.fit, a.flips, library_rows(a.zoo_rows, a.library, True),
                    family_rows(a.family))
        print(f"refit on {cal.fitted_on['n_dev']} development + {cal.fitted_on['n_zoo']} zoo + "
              f"{cal.fitted_on['n_family']} README-family rows; coef "
              f"{np.round(cal.coef, 3).tolist()}")
    cals = calibrations(f"tabular-search:tree:{a.library}", cal, a.out, a.calibration)
    if a.score or a.whole:
        family, whole = family_rows(a.score), library_rows(a.whole, a.library)
        if a.library == "xgboost":
            report(family, whole, cals)
        else:  # h16z's report names XGBoost: per file and pooled here
            for source in [*sorted({r["source"] for r in whole}), "pooled"]:
                rows = [r for r in whole if source in ("pooled", r["source"])]
                print(f"whole-split {a.library} {source} ({len(rows)}):")
                for label, cal in cals.items():
                    print(f"  {label:8s} {figures(rows, score(rows, cal))}")
        shares = full_shares(a.truth)
        for full in (True, False):
            rows = [r for r in whole if shares.get((r["zoo"], r["name"])) is full]
            if rows:
                print(f"{a.library} {'full' if full else '0.8'} shares, development zoos "
                      f"({len(rows)}):")
                for label, cal in cals.items():
                    print(f"  {label:8s} {figures(rows, score(rows, cal))}")
        for label, cal in cals.items():
            if label != "shipped":
                for line in turned(family + whole, cals["shipped"], cal):
                    print(f"{label} turns: {line}")


if __name__ == "__main__":
    main()
