"""XGBoost's 200-row band entry refitted with the contrast recurrence as features of their own,
beside today's recurrence, one zoo pair out on stored readings (issue 16 stop 69, h16).

Stop 68's ``recur_contrast`` *replaced* ``tab_major_recur`` / ``_lead`` by the recurrence read
against the other class's leaves (:mod:`trojanscope.detect.tree_contrast`), and the shipped band
entry read it at today's scale: clean and backdoored trees fell alike. Here both are kept: each
stored 200-row XGBoost reading (``--pairs TODAY.json=CONTRAST.json``: the same readings, the
second with the two features read by contrast -- ``tabular_s68_h16_recur.py``'s rows, or a real
``-p recur_contrast=xgboost`` reading of the same file) gains ``tab_major_recur_vs`` and
``tab_major_recur_vs_lead`` (the contrast ones) beside today's. Each ``--designs`` entry is then
refitted on every pair but one (the README line and its clean twins a pair of their own) and
scored on the pair held out, beside the shipped file and today's design refitted the same way
(the control). Per design: credit-default, its target-0 / target-1 families, lending-club, the
README line and its twins flagged. ``--offset``: instead, the shipped entry kept and one term
added, ``a * (tab_major_recur_vs - tab_major_recur)`` (what the contrast took away) with the
shipped logit as offset, ``a`` fitted on credit-default's readings one pair out (ridge
``--ridge``); and each feature's ROC-AUC, credit-default clean against backdoored.
``--write OUT --fit "design|C"``: the shipped file with
XGBoost's band entry refitted on every reading given, range-guarded (today's entry outside).

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s69_h16_fit.py \
        --pairs T.json=C.json ... [--write OUT --fit "box + mass_group + recur + recur_vs|10"]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from tabular_band_guard import write as band_guard
from tabular_s64_h16_band_refit import SHIPPED, SHORT, figures, pair_of, with_entry
from tabular_s66_h16_fit import families
from tabular_small_clean import _auc
from tabular_user_rule import scored
from trojanscope.detect.calibration import save_calibrators

LIBRARY = "xgboost"
KEY = f"tabular-search:tree:{LIBRARY}:rows200"
# the contrast recurrence's features, beside today's (``tabular_search.recurrence_features``)
CONTRAST = {"tab_major_recur": "tab_major_recur_vs",
            "tab_major_recur_lead": "tab_major_recur_vs_lead"}
NAMES = {**SHORT, "recur_vs": "tab_major_recur_vs", "lead_vs": "tab_major_recur_vs_lead"}
DESIGNS = ["box + mass_group + recur", "box + mass_group + recur + recur_vs",
           "box + mass_group + recur + recur_vs + lead_vs", "box + mass_group + recur_vs",
           "box + mass_group + recur + lead + recur_vs + lead_vs"]


def features_of(design: str) -> list[str]:
    return [NAMES[part] for part in design.split(" + ")]


def group_of(row: dict) -> str:
    """The pair a reading is held out with: its zoo pair, or the README line (twins too)."""
    return "readme" if row["zoo"].startswith("readme-") else pair_of(row["zoo"])


def joined(spec: str) -> list[dict]:
    """``TODAY=CONTRAST[#TAG]``: today's XGBoost 200-row readings with the contrast ones'
    recurrence added as ``tab_major_recur_vs*`` (matched by zoo, name and draw; TAG, the file's
    draw seed, keeps three files of one zoo apart)."""
    files, _, tag = spec.partition("#")
    today_path, _, contrast_path = files.partition("=")

    def rows(path: str, reading: str | None) -> dict:
        out = {}
        for r in json.loads(Path(path).read_text())["rows"]:
            if r["arch"] != LIBRARY or r.get("size") != 200:
                continue
            if reading and r.get("reading", reading) != reading:
                continue
            out[(r["zoo"], r["name"], r["draw"])] = r
        return out

    today = rows(today_path, "today")
    contrast = rows(contrast_path, "candidate")
    if set(today) != set(contrast):
        raise SystemExit(f"error: {spec}: the two files hold different readings "
                         f"({len(today)} against {len(contrast)})")
    out = []
    for key, r in today.items():
        extra = {new: contrast[key]["features"][old] for old, new in CONTRAST.items()}
        out.append({**r, "reading": "today", "file": tag or str(r["draw"]),
                    "features": {**r["features"], **extra}})
    return out


def refit(rows: list[dict], design: str, c: float) -> dict:
    return with_entry(KEY, rows, features_of(design), "none", c)


def held_out(rows: list[dict], design: str, c: float) -> list[dict]:
    """Each pair's readings scored by the entry refitted on the other pairs' (unguarded)."""
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cal.json"
        for pair in sorted({group_of(r) for r in rows}):
            save_calibrators(refit([r for r in rows if group_of(r) != pair], design, c), path)
            out += scored([r for r in rows if group_of(r) == pair], path)[0]
    return out


def with_offset(rows: list[dict], ridge: float) -> tuple[list[dict], float]:
    """Each pair's readings scored by the shipped logit plus ``a`` times the contrast's change
    of the recurrence, ``a`` fitted (no intercept) on the other pairs' credit-default readings;
    and ``a`` fitted on all of them."""
    shipped = scored(rows, SHIPPED)[0]
    p = np.clip([r["probability"] for r in shipped], 1e-9, 1 - 1e-9)
    offset = np.log(p / (1 - p))
    change = np.array([r["features"]["tab_major_recur_vs"] - r["features"]["tab_major_recur"]
                       for r in rows])
    y = np.array([float(r["backdoored"]) for r in rows])
    cd = np.array([r["table"] == "credit-default" for r in rows])
    pairs = np.array([group_of(r) for r in rows])

    def fit(mask: np.ndarray) -> float:
        def loss(a: np.ndarray) -> float:
            z = offset[mask] + a[0] * change[mask]
            return float(np.mean(np.logaddexp(0, z) - y[mask] * z) + ridge * a[0] ** 2)
        return float(minimize(loss, np.zeros(1)).x[0])

    out = [dict(r) for r in rows]
    for pair in sorted(set(pairs)):
        a = fit(cd & (pairs != pair))
        for i in np.flatnonzero(pairs == pair):
            out[i]["probability"] = float(1 / (1 + np.exp(-(offset[i] + a * change[i]))))
    return out, fit(cd)


def line(title: str, rows: list[dict]) -> str:
    cd = [r for r in rows if r["table"] == "credit-default" and not r["zoo"].startswith("readme-")]
    lc = [r for r in rows if r["table"] == "lending-club"]
    line_ = [r for r in rows if r["zoo"] == "readme-readme"]
    twins = [r for r in rows if r["zoo"] == "readme-clean_sub08"]
    flag = lambda rs: sum(r["probability"] >= 0.5 for r in rs)  # noqa: E731
    return (f"  {title}: credit-default {figures(cd)} ({families(cd)}); lending-club "
            f"{figures(lc)}; README line flagged {flag(line_)}/{len(line_)}, twins "
            f"{flag(twins)}/{len(twins)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pairs", nargs="+", required=True, help="TODAY.json=CONTRAST.json[#TAG]")
    ap.add_argument("--designs", default=",".join(DESIGNS))
    ap.add_argument("--cs", default="1,10")
    ap.add_argument("--per-pair", action="store_true", help="credit-default per pair too")
    ap.add_argument("--offset", action="store_true", help="the offset design instead")
    ap.add_argument("--ridges", default="0,0.01,0.1")
    ap.add_argument("--write", type=Path)
    ap.add_argument("--fit", default="box + mass_group + recur + recur_vs|10")
    args = ap.parse_args()
    rows = [r for spec in args.pairs for r in joined(spec)]
    keys = [(r["zoo"], r["name"], r["file"]) for r in rows]
    if len(set(keys)) != len(keys):
        raise SystemExit("error: a reading is given twice")
    if args.write:
        design, c = args.fit.split("|")
        save_calibrators(refit(rows, design, float(c)), args.write)
        band_guard(args.write, [{**r, "base_family": f"tree:{LIBRARY}"} for r in rows],
                   args.write, [f"tree:{LIBRARY}"])
        print(f"wrote {args.write}: XGBoost's band entry = {design}, C {c}, {len(rows)} "
              f"readings, range-guarded")
        return
    print(f"{len(rows)} XGBoost 200-row readings of {len({k[:2] for k in keys})} trees, "
          f"{len({group_of(r) for r in rows})} pairs held out in turn")
    results = {"the shipped file": scored(rows, SHIPPED)[0]}
    if args.offset:
        cd = [r for r in rows
              if r["table"] == "credit-default" and not r["zoo"].startswith("readme")]
        for name in ("tab_major_recur", "tab_major_recur_vs", "tab_box", "tab_mass_group"):
            print(f"  ROC-AUC of {name}, credit-default clean against backdoored: "
                  f"{_auc([{**r, 'probability': r['features'][name]} for r in cd]):.3f}")
        change = [{**r, "probability": r["features"]["tab_major_recur"]
                   - r["features"]["tab_major_recur_vs"]} for r in cd]
        print(f"  ROC-AUC of what the contrast took away: {_auc(change):.3f}")
        for ridge in args.ridges.split(","):
            got, a = with_offset(rows, float(ridge))
            results[f"shipped + a * change, ridge {ridge} (a on all: {a:.3f}), one pair out"] = got
    for d in [d for d in args.designs.split(",") if d and not args.offset]:
        for c in args.cs.split(","):
            results[f"{d}, C {c}, one pair out"] = held_out(rows, d, float(c))
    for title, got in results.items():
        print(line(title, got))
        if args.per_pair:
            for pair in sorted({group_of(r) for r in got} - {"readme"}):
                cd = [r for r in got if group_of(r) == pair and r["table"] == "credit-default"]
                if cd:
                    print(f"      {pair}: {figures(cd)} ({families(cd)})")


if __name__ == "__main__":
    main()
