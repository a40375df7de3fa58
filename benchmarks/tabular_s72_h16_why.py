"""Why a 200-row file flags 18 of 48 clean credit-default readings on stop 71's fresh zoo 5840
and 4 of 48 on stop 70's 5820 (issue 16 stop 72, h16).

Reads the committed 200-row readings of every fresh pair since stop 64 (three files a model),
scores each with a calibration file (``tabular_user_rule.scored``: the family's band entry, its
gap term; the largest change from the stored probability is printed, 0 where the file is the
one the readings were scored with), and prints per zoo and kind (LightGBM, XGBoost, MLP) the
clean readings flagged and the backdoored ones caught; then, for the zoos named by
``--detail``, every clean reading at p >= 0.5 with the class it names and each term's share of
its logit (the band entry's standardised terms; the gap term's lift apart); and the flagged
clean readings pooled by kind and the class named. A reading's file is its draw seed (the
number in its file's name), so the three files of a zoo are three draws.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s72_h16_why.py --rows R200.json ... \
        [--calibration FILE] [--detail tab-fresh50 tab-fresh51]
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from tabular_s64_h16_band_refit import kind
from tabular_user_rule import scored
from trojanscope.detect.calibration import load_calibrators
from trojanscope.detect.tabular_gap_raise import TERM, gap_lift

SHIPPED = Path(__file__).resolve().parents[1] / "src/trojanscope/detect/calibration.json"
KINDS = ("lightgbm", "xgboost", "mlp")


def read_files(paths: list[str]) -> list[dict]:
    """200-row band readings, each with ``draw`` set to its file's draw seed (the first
    four-digit number in the file's name: ``fresh_r200_5845_cd.json`` -> 5845)."""
    out = []
    for path in paths:
        found = re.search(r"_(\d{4})_", Path(path).name)
        if found is None:
            raise SystemExit(f"error: {path}: no draw seed in the file's name")
        for r in json.loads(Path(path).read_text())["rows"]:
            if r["size"] == 200 and r.get("family", "").endswith(":rows200"):
                out.append({**r, "draw": int(found.group(1))})
    seen = {(r["zoo"], r["name"], r["draw"]) for r in out}
    if len(seen) != len(out):
        raise SystemExit("error: a reading is given twice")
    return out


def flagged(rows: list[dict], backdoored: bool) -> str:
    mine = [r for r in rows if r["backdoored"] == backdoored]
    return f"{sum(r['probability'] >= 0.5 for r in mine)}/{len(mine)}"


def terms(r: dict, cals: dict) -> str:
    """Each band term's part of the reading's logit (coef x standardised value), the
    intercept and the gap term's lift."""
    key = f"tabular-search:{r['family']}"
    cal = cals[key]
    mean = cal.mean or [0.0] * len(cal.features)
    scale = cal.scale or [1.0] * len(cal.features)
    x = r["features"]
    parts = [f"{name.removeprefix('tab_')} {x[name]:.2f} ({w * (x[name] - m) / s:+.1f})"
             for name, w, m, s in zip(cal.features, cal.coef, mean, scale, strict=True)]
    gap = cals.get(f"{key}:{TERM}")
    lift = gap_lift(gap, r["features"]) if gap is not None else 0.0
    return f"intercept {cal.intercept:+.1f}; " + "; ".join(parts) + f"; gap lift {lift:+.1f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", nargs="+", required=True)
    ap.add_argument("--calibration", type=Path, default=SHIPPED)
    ap.add_argument("--detail", nargs="*", default=[],
                    help="zoos whose flagged clean readings are listed")
    ap.add_argument("--table", default="credit-default")
    args = ap.parse_args()
    rows, moved = scored([r for r in read_files(args.rows) if r["table"] == args.table],
                         args.calibration)
    cals = load_calibrators(args.calibration)
    print(f"{len(rows)} {args.table} readings, scored by {args.calibration.name} "
          f"(largest change from the stored p {moved:.3f})")
    print("zoo | clean flagged: " + " ".join(KINDS) + " all | backdoored caught: "
          + " ".join(KINDS) + " all")
    for zoo in [*sorted({r["zoo"] for r in rows}), "pooled"]:
        mine = rows if zoo == "pooled" else [r for r in rows if r["zoo"] == zoo]
        clean = [flagged([r for r in mine if kind(r) == k], False) for k in KINDS]
        caught = [flagged([r for r in mine if kind(r) == k], True) for k in KINDS]
        print(f"{zoo} | {' '.join(clean)} {flagged(mine, False)} | {' '.join(caught)} "
              f"{flagged(mine, True)}")
    for zoo in args.detail:
        print(f"\n{zoo}: every clean reading at p >= 0.5 (model, kind, draw seed, p, the class "
              "it names, the logit's terms)")
        high = [r for r in rows if r["zoo"] == zoo and not r["backdoored"]
                and r["probability"] >= 0.5]
        for r in sorted(high, key=lambda r: (kind(r), r["name"], r["draw"])):
            print(f"  {r['name']} {kind(r)} {r['draw']} p {r['probability']:.2f} names "
                  f"{r['predicted_target']} | {terms(r, cals)}")
    print("\nflagged clean readings by kind and the class named (pooled):")
    for k in KINDS:
        mine = [r for r in rows if kind(r) == k and not r["backdoored"] and r["probability"] >= 0.5]
        named = {c: sum(r["predicted_target"] == c for r in mine) for c in (0, 1)}
        models = len({(r["zoo"], r["name"]) for r in mine})
        every = len({(r["zoo"], r["name"]) for r in rows if kind(r) == k and not r["backdoored"]})
        print(f"  {k}: {len(mine)} readings of {models} of {every} clean models; "
              f"class 0 named {named[0]}, class 1 {named[1]}")


if __name__ == "__main__":
    main()
