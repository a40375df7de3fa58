"""Tree band calibrators compared leave one zoo out, per table and worst family (issue 16 stop 44).

``tabular_size_calibrate.py --hold zoo`` pools both tables; the clean credit-default trees
that the 200-row calibrators flag are hidden in that pool. Here each tree reading
(``tabular_small_clean.py --detect`` rows) is scored by a calibrator of a design fitted on
the other zoos' readings (a zoo's models and draws held out together, never in-sample), and
per design the script prints the trees pooled, each table, each table's worst family (table x
library x target, clean models of the library counted in every target's family), the worst
family of each held-out zoo, and clean trees flagged per table. ``--grid`` prints one line per
design of each library and chooses, per library, the lowest trees' cross-entropy among the
designs that flag no more clean trees and have no worse worst family in any table than the
shipped designs refitted the same way. ``--features`` prints each feature's ROC-AUC per table
and library (which features overlap where clean trees read high).

    PYTHONPATH=src:benchmarks python benchmarks/tabular_tree_lozo.py --rows SMALL.json... \
        [--designs "tree:xgboost=box + box_over + gap|none|10" ...] [--grid] [--features]
"""

from __future__ import annotations

import argparse

import numpy as np
from sklearn.metrics import log_loss, roc_auc_score

from tabular_size_calibrate import SMALL, held_out, load

LIBS = ("tree:xgboost", "tree:lightgbm")
# the shipped band designs (calibration.json's ``tree:*:rows200``, stop 40), then the rest
SHIPPED = {"tree:xgboost": "box + box_over + gap|none|10", "tree:lightgbm": "box + gap|log|10"}
FEATURES = ("tab_mass", "tab_box", "tab_box_over", "tab_gap", "tab_major_recur_lead",
            "tab_mass_group", "tab_score", "tab_leaves")
# against clean reference trees (``-p references=N``): printed where a reading holds them
REF_FEATURES = ("tab_mass_ref", "tab_mass_rel_ref", "tab_box_ref", "tab_score_ref",
                "tab_gap_ref")


def ce(rows: list[dict], p: np.ndarray) -> float:
    y = np.array([int(r["backdoored"]) for r in rows])
    return float(log_loss(y, np.clip(p, 1e-6, 1 - 1e-6), labels=[0, 1]))


def auc(y: np.ndarray, s: np.ndarray) -> float:
    return float(roc_auc_score(y, s)) if 0 < y.sum() < len(y) else float("nan")


def families(rows: list[dict]) -> dict[str, list[int]]:
    """Indices per family (table, library, target): a backdoored reading in its target's family,
    a clean one in every target family of its table and library."""
    out: dict[str, list[int]] = {}
    keys = sorted({(r["table"], r["base_family"], r["target"]) for r in rows if r["backdoored"]})
    for table, fam, target in keys:
        out[f"{table} {fam.split(':')[1]} target {target}"] = [
            i for i, r in enumerate(rows) if r["table"] == table and r["base_family"] == fam
            and (not r["backdoored"] or r["target"] == target)]
    return out


def score(rows: list[dict], spec: dict[str, str]) -> np.ndarray:
    """Held-out p of every tree reading, each library by its design ``DESIGN|TRANSFORM|C``."""
    p = np.zeros(len(rows))
    for fam, design in spec.items():
        name, transform, c = design.split("|")
        idx = [i for i, r in enumerate(rows) if r["base_family"] == fam]
        sub = [rows[i] for i in idx]
        p[idx] = held_out(sub, SMALL[fam][name], transform, float(c), hold="zoo")
    return p


def report(rows: list[dict], p: np.ndarray, label: str) -> None:
    y = np.array([int(r["backdoored"]) for r in rows])

    def part(idx: list[int]) -> str:
        sub = [rows[i] for i in idx]
        clean = [i for i in idx if not y[i]]
        return (f"ROC-AUC {auc(y[idx], p[idx]):.3f} CE {ce(sub, p[idx]):.3f} "
                f"caught {int(((p[idx] >= 0.5) & (y[idx] == 1)).sum())}/{int(y[idx].sum())} "
                f"clean flagged {int((p[clean] >= 0.5).sum())}/{len(clean)}")

    print(f"{label}")
    print(f"  trees ({len(rows)}): {part(list(range(len(rows))))}")
    fams = families(rows)
    for table in sorted({r["table"] for r in rows}):
        idx = [i for i, r in enumerate(rows) if r["table"] == table]
        print(f"  {table} ({len(idx)}): {part(idx)}")
        for fam in LIBS:
            fidx = [i for i in idx if rows[i]["base_family"] == fam]
            print(f"    {fam.split(':')[1]} ({len(fidx)}): {part(fidx)}")
        worst = max((ce([rows[i] for i in f], p[f]), name) for name, f in fams.items()
                     if name.startswith(table))
        print(f"    worst family: {worst[1]} (CE {worst[0]:.3f})")
    folds = []
    for zoo in sorted({r["zoo"] for r in rows}):
        zidx = {i for i, r in enumerate(rows) if r["zoo"] == zoo}
        sub = [(ce([rows[i] for i in f if i in zidx], p[[i for i in f if i in zidx]]), name)
               for name, f in fams.items() if any(i in zidx for i in f)]
        c, name = max(sub)
        clean = [i for i in zidx if not y[i]]
        folds.append(c)
        print(f"    held out {zoo}: worst {name} (CE {c:.3f}), clean flagged "
              f"{int((p[clean] >= 0.5).sum())}/{len(clean)}")
    print(f"  worst family per held-out zoo: median CE {np.median(folds):.3f}, "
          f"max {max(folds):.3f}")


def measures(rows: list[dict], p: np.ndarray) -> dict:
    """Trees' CE and ROC-AUC; per table clean flagged and the worst family's CE."""
    y = np.array([int(r["backdoored"]) for r in rows])
    fams = families(rows)
    out: dict = {"ce": ce(rows, p), "auc": auc(y, p), "tables": {}}
    for table in sorted({r["table"] for r in rows}):
        idx = [i for i, r in enumerate(rows) if r["table"] == table]
        clean = [i for i in idx if not y[i]]
        out["tables"][table] = {
            "ce": ce([rows[i] for i in idx], p[idx]),
            "clean": int((p[clean] >= 0.5).sum()), "n_clean": len(clean),
            "worst": max(ce([rows[i] for i in f], p[f]) for n, f in fams.items()
                         if n.startswith(table))}
    return out


def brief(rows: list[dict], p: np.ndarray) -> str:
    """One line: trees' CE, each table's CE and clean flagged, each table's worst family CE,
    and the largest worst-family CE of a held-out zoo."""
    m = measures(rows, p)
    cells = [f"trees CE {m['ce']:.3f} AUC {m['auc']:.3f}"]
    for table, t in m["tables"].items():
        cells.append(f"{table[:6]} CE {t['ce']:.3f} clean {t['clean']}/{t['n_clean']} "
                     f"worst {t['worst']:.3f}")
    return "; ".join(cells)


def allowed(m: dict, base: dict) -> bool:
    """The choice's constraint: in every table no more clean trees flagged and a worst
    family no worse than the shipped designs refitted the same way."""
    return all(t["clean"] <= base["tables"][k]["clean"] and t["worst"] <= base["tables"][k]["worst"]
               for k, t in m["tables"].items())


def feature_aucs(rows: list[dict]) -> None:
    feats = FEATURES + tuple(f for f in REF_FEATURES
                             if any(r["features"].get(f, 0.0) != 0.0 for r in rows))
    for table in sorted({r["table"] for r in rows}):
        for fam in LIBS:
            sub = [r for r in rows if r["table"] == table and r["base_family"] == fam]
            if not sub:
                continue
            y = np.array([int(r["backdoored"]) for r in sub])
            cells = []
            for f in feats:
                s = np.array([r["features"][f] for r in sub])
                cl, bd = np.median(s[y == 0]), np.median(s[y == 1])
                cells.append(f"{f.removeprefix('tab_')} {auc(y, s):.2f} ({cl:.2f}/{bd:.2f})")
            print(f"{table} {fam} ({len(sub)}, {int(y.sum())} backdoored): " + "; ".join(cells))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", nargs="+", required=True, help="tabular_small_clean.py --json files")
    ap.add_argument("--designs", nargs="*", default=[], metavar="FAMILY=DESIGN|TRANSFORM|C",
                    help="candidates (each library not named keeps the shipped band design)")
    ap.add_argument("--features", action="store_true", help="feature ROC-AUC per table, library")
    ap.add_argument("--grid", action="store_true",
                    help="one line per design of each library (the other keeps the shipped one)")
    args = ap.parse_args()
    rows = [r for r in load(args.rows) if r["base_family"] in LIBS]
    if args.grid:
        base = measures(rows, score(rows, SHIPPED))
        print(f"shipped: {brief(rows, score(rows, SHIPPED))}")
        chosen = dict(SHIPPED)
        for fam in LIBS:
            best = (base["ce"], SHIPPED[fam])
            for name in SMALL[fam]:
                for transform in ("none", "log"):
                    for c in ("0.1", "1", "10"):
                        design = f"{name}|{transform}|{c}"
                        p = score(rows, {**SHIPPED, fam: design})
                        m = measures(rows, p)
                        ok = allowed(m, base)
                        print(f"{fam} = {design}: {brief(rows, p)}{'' if ok else ' (not allowed)'}")
                        if ok and m["ce"] < best[0]:
                            best = (m["ce"], design)
            chosen[fam] = best[1]
            print(f"chosen {fam}: {best[1]} (lowest trees' CE one zoo out among the allowed)")
        report(rows, score(rows, chosen), f"both chosen: {chosen}")
        return
    if args.features:
        feature_aucs(rows)
        return
    report(rows, score(rows, SHIPPED), f"shipped band designs refitted one zoo out: {SHIPPED}")
    for spec in args.designs:
        fam, design = spec.split("=", 1)
        if fam not in LIBS or design.split("|")[0] not in SMALL[fam]:
            raise SystemExit(f"error: unknown design {spec!r}")
        report(rows, score(rows, {**SHIPPED, fam: design}), f"{fam} = {design} (other: shipped)")


if __name__ == "__main__":
    main()
