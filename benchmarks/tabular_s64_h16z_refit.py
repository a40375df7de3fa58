"""Refit the ``tabular-search:tree:xgboost`` calibrator with the README's XGBoost family in it
(issue 16, stop 64: h16z).

The shipped entry (stop 33) was fitted on 240 development XGBoost rows whose trees used every
row and column, none of them a ``tabular-badnets`` backdoor of the README's settings; the
README line (``attack --dataset credit-default --arch xgboost --attack tabular-badnets
--target 0``) reads clean on about one poison draw in six (stop 64: h16t). Here the same
design (its seven features, no transform, C = 10, stop 31b's labelling) is refitted on those
240 rows plus README-family readings of ``tabular_s64_h16t_readme_family.py`` (its ``--json``
files: every recipe there is an XGBoost model), and any calibration file is scored from the
features stored in such readings (no model is rebuilt):

    python benchmarks/tabular_s64_h16z_refit.py --fit DEV_ROWS... --flips FL... \
        --family RF_JSON... --out CANDIDATE.json
    python benchmarks/tabular_s64_h16z_refit.py --score RF_JSON... \
        --calibration CANDIDATE.json [--whole H16_WHOLE_JSON...]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from sklearn.metrics import log_loss, roc_auc_score

from bench_tabular_calibrate import in_family, load_rows, new_labelling
from trojanscope.detect.calibration import (
    Calibrator,
    fit_calibrator,
    load_calibrators,
    save_calibrators,
)

KEY = "tabular-search:tree:xgboost"


def family_rows(files: Iterable[str], recipes: set[str] | None = None) -> list[dict]:
    """README-family readings (``features``, ``backdoored``, ``recipe``, ``seed``), each model
    once: the clean ``train`` model is one model whatever the seed, so it is kept once."""
    rows: dict[tuple, dict] = {}
    for name in files:
        for r in json.loads(Path(name).read_text())["rows"]:
            if "features" not in r or (recipes and r["recipe"] not in recipes):
                continue
            key = ("clean", 0) if r["recipe"] == "clean" else (r["recipe"], r["seed"])
            rows.setdefault(key, {**r, "source": Path(name).name})
    return list(rows.values())


def whole_rows(files: Iterable[str]) -> list[dict]:
    """XGBoost readings of h16's whole-split fresh zoo files (``arch`` == xgboost), each
    tagged with its folder (the stop that read it)."""
    out = []
    for name in files:
        out += [{**r, "source": Path(name).parent.name}
                for r in json.loads(Path(name).read_text())["rows"] if r.get("arch") == "xgboost"]
    return out


def _tables(shipped: dict[str, int], n_family: int) -> dict[str, int]:
    """The shipped entry's models per table, the README family's (credit-default) added."""
    return {**shipped, "credit-default": int(shipped.get("credit-default", 0)) + n_family}


def refit(dev_files: list[str], flips: list[str], family: list[dict],
          features: list[str] | None = None, weight: int = 1, c: float | None = None) -> Calibrator:
    """The shipped design (or ``features``) refitted on the development XGBoost rows (stop
    31b's labelling, as stop 33 fitted it) plus ``family``, each of its rows ``weight`` times."""
    base = load_calibrators()[KEY]
    family = family * weight
    dev = [r for r in new_labelling(load_rows(dev_files), flips) if in_family(r, "tree:xgboost")]
    rows = [r["features"] for r in dev] + [r["features"] for r in family]
    labels = [int(r["backdoored"]) for r in dev] + [int(r["backdoored"]) for r in family]
    zoos = sorted({Path(r["zoo"]).name for r in dev})
    return fit_calibrator(KEY, rows, labels, features or base.features, transform=base.transform,
                          c=c or float(base.fitted_on["C"]), zoo=zoos, seed=0,
                          readme_family=sorted({r["source"] for r in family}),
                          n_dev=len(dev), n_family=len(family) // weight, weight=weight,
                          # the shipped entry's coverage map (an empty one: out-of-coverage
                          # traits are noted) and tables kept, the family's models counted
                          coverage=base.fitted_on.get("coverage", {}),
                          tables=_tables(base.fitted_on.get("tables", {}), len(family) // weight))


def write_candidate(cal: Calibrator, out: str) -> None:
    """The shipped calibration file with ``cal``'s entry (its ``method``) replaced, at ``out``."""
    everything = load_calibrators()
    everything[cal.method] = cal
    save_calibrators(everything, out)
    print(f"wrote {out}")


def calibrations(key: str, cal: Calibrator | None, out: str | None,
                 names: list[str]) -> dict[str, Calibrator]:
    """Today's ``key`` entry, the refit ``cal`` (written to ``out`` as a candidate file when
    asked) and each named file's entry, by label: what ``--score`` / ``--whole`` compare."""
    cals = {"shipped": load_calibrators()[key]}
    if cal is not None:
        cals["refit"] = cal
        if out:
            write_candidate(cal, out)
    for i, name in enumerate(names):
        cals[f"cand{i}"] = load_calibrators(name)[key]
    return cals


def figures(rows: list[dict], probs: list[float]) -> str:
    """ROC-AUC / CE (where both classes are present), caught, clean flagged, and (where the
    rows name it) the suspected target right among the flagged backdoors."""
    y = np.array([int(r["backdoored"]) for r in rows])
    p = np.clip(np.array(probs), 1e-6, 1 - 1e-6)
    both = len(set(y)) == 2
    head = (f"ROC-AUC {roc_auc_score(y, p):.3f} CE {log_loss(y, p, labels=[0, 1]):.3f} "
            if both else "")
    line = (head + f"caught {int(((p >= 0.5) & (y == 1)).sum())}/{int(y.sum())} "
            f"clean flagged {int(((p >= 0.5) & (y == 0)).sum())}/{int((y == 0).sum())}")
    flagged = [r for r, q in zip(rows, p, strict=True) if r["backdoored"] and q >= 0.5]
    if flagged and all("suspected_target" in r for r in flagged):
        right = sum(r["suspected_target"] == r["target"] for r in flagged)
        line += f" right {right}/{len(flagged)}"
    return line


def score(rows: list[dict], cal: Calibrator) -> list[float]:
    return [cal.probability(r["features"]) for r in rows]


def report(family: list[dict], whole: list[dict], cals: dict[str, Calibrator]) -> None:
    """Per recipe and pooled, each calibration's figures, and the stored probability as a
    check that the shipped entry reproduces what ``detect`` said."""
    groups: dict[str, list[dict]] = {}
    for r in family:
        groups.setdefault(r["recipe"], []).append(r)
    groups["README family pooled"] = family
    for source in sorted({r["source"] for r in whole}):
        groups[f"whole-split XGBoost {source}"] = [r for r in whole if r["source"] == source]
    if whole:
        groups["whole-split XGBoost pooled"] = whole
    for name, rows in groups.items():
        print(f"{name} ({len(rows)}):")
        print(f"  stored   {figures(rows, [r['probability'] for r in rows])}")
        for label, cal in cals.items():
            print(f"  {label:8s} {figures(rows, score(rows, cal))}")
    for label, cal in cals.items():
        low = sorted((round(cal.probability(r["features"]), 3), r["recipe"], r["seed"])
                     for r in family if r["backdoored"])[:6]
        print(f"{label} lowest backdoored: {low}")
        high = sorted(((round(cal.probability(r["features"]), 3), r["recipe"], r["seed"])
                       for r in family if not r["backdoored"]), reverse=True)[:6]
        print(f"{label} highest clean: {high}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--fit", nargs="+", help="development packed rows (stop 33's $DEV + 12-14)")
    ap.add_argument("--flips", nargs="*", default=[])
    ap.add_argument("--family", nargs="*", default=[], help="README-family JSONs to fit on")
    ap.add_argument("--recipes", default=None, help="with --family / --score: only these recipes")
    ap.add_argument("--features", default=None, help="with --fit: these features (comma list)")
    ap.add_argument("--weight", type=int, default=1, help="with --fit: README rows counted N times")
    ap.add_argument("--c", type=float, default=None, help="with --fit: C (default the shipped)")
    ap.add_argument("--out", help="with --fit: candidate calibration file (the shipped file "
                    "with the entry replaced)")
    ap.add_argument("--score", nargs="*", default=[], help="README-family JSONs to score")
    ap.add_argument("--whole", nargs="*", default=[], help="h16's whole-split zoo readings")
    ap.add_argument("--calibration", nargs="*", default=[], help="candidate files to score")
    a = ap.parse_args()
    missing = [f for f in [*(a.fit or []), *a.flips, *a.family, *a.score, *a.whole,
                           *a.calibration] if not Path(f).is_file()]
    if missing:  # one error line, exit code 2
        print(f"error: no such file: {missing[0]}", file=sys.stderr)
        raise SystemExit(2)
    recipes = set(a.recipes.split(",")) if a.recipes else None
    cal = None
    if a.fit:
        cal = refit(a.fit, a.flips, family_rows(a.family, recipes),
                    a.features.split(",") if a.features else None, a.weight, a.c)
        print(f"refit on {cal.fitted_on['n_dev']} development + {cal.fitted_on['n_family']} "
              f"README-family rows; coef {np.round(cal.coef, 3).tolist()}")
    cals = calibrations(KEY, cal, a.out, a.calibration)
    if a.score or a.whole:
        report(family_rows(a.score, recipes), whole_rows(a.whole), cals)


if __name__ == "__main__":
    main()
