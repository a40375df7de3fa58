"""Tree calibrator designs for a 200-row clean file, compared on held-out zoos (issue 16 stop 59).

Stop 58 found credit-default's clean trees flagged at 200 rows (16 of 44 over four fresh
pairs) and its refitted whole-split designs (T) moving with the zoo. At 200 rows the shipped
band calibrators lean on ``tab_gap``, which does not rank credit-default's trees there
(``tabular_cd_diagnose.py``), and the whole-split designs read ``tab_major_recur_lead``, which
turns round there. Each design is fitted on every 200-row tree reading of its library but a
held-out part (both tables, every draw) and scores that part:

- default: one zoo out, per table, beside the shipped band calibrator;
- ``--pairs NAME=CD.json,LC.json ...``: one fresh pair out (its draw-0 readings), with the
  pair's networks (``--nets NAME=CD.json,LC.json``, default the pair's files) kept as read, and
  per pair and table the cross-entropy, ROC-AUC and clean flagged of the shipped band
  calibrators (D) against the design (R), the count of pairs where R held stop 58's 200-row
  conditions on both tables (CE R <= D, + 0.02 where D's is under 0.05; ROC-AUC R >= D - 0.01;
  clean flagged R <= D) first.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_tree200_designs.py --rows R200.json... \
        [--pairs 4600=cd.json,lc.json ...] [--nets 4500=cd.json,lc.json]
        [--ranges FEATURE... [--family tree:xgboost]]

``--ranges`` prints only the features' ranges over the family's readings, clean and
backdoored apart (where a user-made model's reading sits against the fitting rows).

Development only: the rows given must be of spent seeds.
"""

from __future__ import annotations

import argparse

import numpy as np
from sklearn.metrics import roc_auc_score

from _common import run_main
from tabular_r200_look import cross_entropy, figures
from tabular_size_calibrate import ADDED_S59, ADDED_S61, designs, held_out, load
from trojanscope.detect.calibration import fit_calibrator, load_calibrators

# the features that kept clean and backdoored development trees apart at 200 rows (the box
# response, its floor excess, the missing mass and its grouped form, the bound recurrence),
# none that turned round there; the two that ``tabular_size_calibrate.py --write`` takes are
# its ``ADDED_S59`` lists (one source)
_FIVE = ADDED_S59["box + box_over + mass + mass_group + recur"]
DESIGNS_200 = {
    "box + over": ["tab_box", "tab_box_over"],
    "box + over + mass": ["tab_box", "tab_box_over", "tab_mass"],
    "box + mass_group + recur": ADDED_S59["box + mass_group + recur"],
    "box + over + mass + mass_group + recur": _FIVE,
    "box + over + mass + mass_group + recur + score": [*_FIVE, "tab_score"],
    "box + over + mass + mass_group + recur + gap": [*_FIVE, "tab_gap"],
    **ADDED_S61,
}
TABLES = ("credit-default", "lending-club")
LIBS = ("tree:xgboost", "tree:lightgbm")


def zoo_out(rows: list[dict], cs: list[float]) -> None:
    """Every design one zoo out, per library and table, beside the shipped band entry."""
    shipped = load_calibrators()
    for family in LIBS:
        sub = [r for r in rows if r["base_family"] == family]
        band = shipped[f"tabular-search:{family}:rows200"]
        cands: dict[str, tuple | None] = {"shipped band calibrator": None}
        whole_feats, whole_tf = designs(family, shipped)["shipped"]
        for c in cs:
            cands[f"whole-split design (T), C {c:g}"] = (whole_feats, whole_tf, c)
            for name, feats in DESIGNS_200.items():
                for tf in ("none", "log"):
                    cands[f"{name} | {tf} | C {c:g}"] = (feats, tf, c)
        print(f"{family}: {len(sub)} readings, {len({r['zoo'] for r in sub})} zoos, one zoo out")
        for name, spec in cands.items():
            p = (np.array([band.probability(r["features"]) for r in sub]) if spec is None
                 else held_out(sub, spec[0], spec[1], spec[2], hold="zoo"))
            parts = []
            for table in sorted({r["table"] for r in sub}):
                idx = [i for i, r in enumerate(sub) if r["table"] == table]
                y = np.array([int(sub[i]["backdoored"]) for i in idx])
                right = np.array([sub[i]["predicted_target"] == sub[i]["target"] for i in idx])
                parts.append(f"{table} {figures(y, p[idx], right)}")
            print(f"  {name}: " + "; ".join(parts))


def pair_out(rows: list[dict], pairs: dict[str, list[str]], nets: dict[str, list[str]],
             cs: list[float]) -> None:
    """Every design one fresh pair out, scored as stop 58's rule reads the 200-row file."""
    shipped = load_calibrators()
    held = {k: load(v) for k, v in pairs.items()}
    held_nets = {k: load(nets.get(k, v)) for k, v in pairs.items()}
    for name, feats in DESIGNS_200.items():
        for tf in ("none", "log"):
            for c in cs:
                met, parts = 0, []
                for key, pair in held.items():
                    zoos = {r["zoo"] for r in pair}
                    cal = {f: fit_calibrator(
                        "design", [r["features"] for r in rows
                                   if r["base_family"] == f and r["zoo"] not in zoos],
                        [int(r["backdoored"]) for r in rows
                         if r["base_family"] == f and r["zoo"] not in zoos],
                        feats, transform=tf, c=c) for f in LIBS}
                    ok, text = True, []
                    for table in TABLES:
                        y, d, p = [], [], []
                        for r in held_nets[key]:
                            if r["table"] == table and r["base_family"].startswith("network"):
                                y.append(int(r["backdoored"]))
                                d.append(r["probability"])
                                p.append(r["probability"])
                        for r in pair:
                            if r["table"] == table and r["base_family"] in LIBS:
                                band = shipped[f"tabular-search:{r['base_family']}:rows200"]
                                y.append(int(r["backdoored"]))
                                d.append(band.probability(r["features"]))
                                p.append(cal[r["base_family"]].probability(r["features"]))
                        ya, da, pa = np.array(y), np.array(d), np.array(p)
                        ce_d, ce_r = cross_entropy(ya, da), cross_entropy(ya, pa)
                        auc_d, auc_r = roc_auc_score(ya, da), roc_auc_score(ya, pa)
                        cl_d = int(((da >= 0.5) & (ya == 0)).sum())
                        cl_r = int(((pa >= 0.5) & (ya == 0)).sum())
                        ok &= (ce_r <= ce_d + (0.02 if ce_d < 0.05 else 0.0)
                               and auc_r >= auc_d - 0.01 and cl_r <= cl_d)
                        text.append(f"{table} CE {ce_d:.3f}->{ce_r:.3f} AUC {auc_d:.3f}->"
                                    f"{auc_r:.3f} clean {cl_d}->{cl_r}")
                    met += ok
                    parts.append(f"{key}: " + ", ".join(text))
                print(f"{met}/{len(held)} {name} | {tf} | C {c:g}")
                for part in parts:
                    print(f"    {part}")


def ranges(rows: list[dict], family: str, feats: list[str]) -> None:
    """Each feature's min / median / max over ``family``'s 200-row readings, clean and
    backdoored apart: where a user-made model's reading sits against the fitting rows."""
    sub = [r for r in rows if r["base_family"] == family]
    if not sub:
        raise ValueError(f"no 200-row readings of {family}")
    lack = [f for f in feats if any(f not in r["features"] for r in sub)]
    if lack:
        raise ValueError(f"{family}'s readings lack {', '.join(lack)}")
    for f in feats:
        for bd in (False, True):
            x = np.array([r["features"][f] for r in sub if r["backdoored"] == bd], float)
            print(f"{f} {'backdoored' if bd else 'clean'} min {x.min():.3f} median "
                  f"{np.median(x):.3f} max {x.max():.3f} (n {len(x)})")


def named_files(items: list[str], flag: str) -> dict[str, list[str]]:
    """``NAME=CD.json,LC.json`` arguments as ``{NAME: [CD.json, LC.json]}``; one without a name
    or a file is a ValueError naming it (one line and exit 2 through ``run_main``)."""
    out = {}
    for item in items:
        name, _, files = item.partition("=")
        if not name or not all(files.split(",")):
            raise ValueError(f"{flag} {item!r}: expected NAME=CD.json,LC.json")
        out[name] = files.split(",")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", nargs="+", required=True)
    ap.add_argument("--cs", nargs="+", type=float, default=None)
    ap.add_argument("--pairs", nargs="*", default=[], metavar="NAME=CD.json,LC.json")
    ap.add_argument("--nets", nargs="*", default=[], metavar="NAME=CD.json,LC.json")
    ap.add_argument("--ranges", nargs="*", default=[], metavar="FEATURE",
                    help="print these features' ranges over --family's readings instead")
    ap.add_argument("--family", default="tree:xgboost")
    args = ap.parse_args()
    split, nets = named_files(args.pairs, "--pairs"), named_files(args.nets, "--nets")
    rows = [r for r in load(args.rows) if str(r["size"]) == "200"]
    if not rows:
        raise ValueError("no 200-row readings in --rows")
    if args.ranges:
        ranges(rows, args.family, args.ranges)
    elif split:
        pair_out(rows, split, nets, args.cs or [0.1, 1.0, 10.0])
    else:
        zoo_out(rows, args.cs or [0.1, 1.0])


if __name__ == "__main__":
    run_main(main)
