"""Candidate W (issue 16 stop 62): a trigger candidate's flip on the model beside its flip on
clean twins trained on the same 200 rows, read per model, and the lower-only term fitted on it.

Reads ``tabular_small_clean.py --detect -p lever_twins=N`` rows (the ``tab_lever_*`` features of
:mod:`trojanscope.detect.tabular_lever`). ``--table`` prints one line per model: table, kind,
truth (target), today's p and named target, the greedy combination's flip on the model and on
the twins, the contrast search's excess over the twins, its combination's flips, CPU seconds;
then each feature's ROC-AUC (clean against backdoored) per table and kind. ``--fit FEATURE
--write OUT.json`` fits the term ``logit p_W = logit p + max(-most, min(0, a * f + b))`` on the
trees' band readings (both libraries pooled: one term, a few dozen readings), writes it as the
``"<family>:lever"`` entry of each tree band family the rows hold into a copy of the shipped
file (:mod:`trojanscope.detect.tabular_lever_term`), and prints today's and W's figures per
table (W's trees naming ``tab_lever_class``, the ``lever_order`` target).

    PYTHONPATH=src:benchmarks python benchmarks/tabular_lever_w.py --rows R.json... --table
    PYTHONPATH=src:benchmarks python benchmarks/tabular_lever_w.py --rows R.json... \
        --fit tab_lever_excess --write CAL.json [--most 3]
"""

from __future__ import annotations

import json
import math
from importlib import resources
from pathlib import Path

import numpy as np
from scipy.optimize import minimize
from sklearn.metrics import roc_auc_score

from _common import LineParser, fail
from tabular_small_clean import figures_line
from trojanscope.detect.calibration import SHIPPED, load_calibrators
from trojanscope.detect.tabular_lever_term import TERM, lowered_probability

FEATURES = ("tab_lever_w", "tab_lever_excess", "tab_lever_cw", "tab_lever_excess_gap")
L2 = 0.01  # a light pull towards no term (a few dozen readings)


def load(files: list[str]) -> list[dict]:
    """The rows of the readings' JSON files; a file that is missing, not JSON, without
    ``rows``, or holding a row read without ``lever_twins`` ends in one ``error:`` line, exit 2."""
    rows = []
    for f in files:
        try:
            rows += json.loads(Path(f).read_text())["rows"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            fail(f"{f}: not a readings file with rows ({type(exc).__name__}: {exc})")
    missing = [r["name"] for r in rows if "tab_lever_excess" not in r.get("features", {})]
    if missing:
        fail(f"{len(missing)} rows read without lever_twins (e.g. {missing[0]})")
    return rows


def table(rows: list[dict]) -> None:
    """Print each model's lever readings, then each feature's ROC-AUC (clean against
    backdoored) per table, table and kind, zoo and kind."""
    print("table | kind | truth | p -> target | greedy flip model / twins | contrast excess | "
          "its flip model / twins | CPU s")
    for r in rows:
        f = r["features"]
        truth = f"backdoored -> {r['target']}" if r["backdoored"] else "clean"
        print(f"{r['table']} | {r['arch']} | {r['name']} {truth} | {r['probability']:.3f} -> "
              f"{r['predicted_target']} | {f['tab_lever_model']:.2f} / {f['tab_lever_twins']:.2f}"
              f" | {f['tab_lever_excess']:.3f} (class {int(f['tab_lever_class'])}) | "
              f"{f['tab_lever_cmodel']:.2f} / {f['tab_lever_ctwins']:.2f} | {r['cpu_s']:.1f}")
    print("\nROC-AUC of each feature, clean against backdoored (and today's p):")
    groups = {}
    for r in rows:
        kind = "network" if r["arch"] == "mlp" else "tree"
        for key in (r["table"], f"{r['table']} {kind}", f"{r['zoo']} {kind}"):
            groups.setdefault(key, []).append(r)
    for key, part in sorted(groups.items()):
        y = [r["backdoored"] for r in part]
        if not 0 < sum(y) < len(y):
            continue
        aucs = {n: roc_auc_score(y, [r["features"][n] for r in part]) for n in FEATURES}
        aucs["p"] = roc_auc_score(y, [r["probability"] for r in part])
        print(f"  {key} ({sum(y)} backdoored, {len(y) - sum(y)} clean): "
              + ", ".join(f"{n} {v:.3f}" for n, v in aucs.items()))


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def fit(rows: list[dict], feature: str, most: float) -> tuple[float, float]:
    """(a, b) of the lower-only term minimising the cross-entropy of W's probabilities (plus
    ``L2`` on a and b); a is kept > 0 (a larger contrast lowers less)."""
    z = np.array([_logit(r["probability"]) for r in rows])
    f = np.array([r["features"][feature] for r in rows])
    y = np.array([r["backdoored"] for r in rows], dtype=float)

    def loss(v: np.ndarray) -> float:
        a, b = math.exp(v[0]), v[1]
        lo = z + np.clip(a * f + b, -most, 0.0)
        p = np.clip(1 / (1 + np.exp(-lo)), 1e-6, 1 - 1e-6)
        return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)) + L2 * (a * a + b * b))

    best = min((minimize(loss, np.array([s, t]), method="Nelder-Mead") for s in (0.0, 1.5)
                for t in (-1.0, -3.0)), key=lambda r: r.fun)
    return math.exp(best.x[0]), float(best.x[1])


def write(rows: list[dict], feature: str, a: float, b: float, most: float, out: Path) -> None:
    """The shipped calibration file with a ``"<family>:lever"`` term (``a``, ``b``, ``most``)
    for each 200-row tree family of ``rows``, written to ``out`` and read back by its checks."""
    raw = json.loads(resources.files("trojanscope.detect").joinpath(SHIPPED).read_text())
    fams = sorted({r["family"] for r in rows if r["family"].endswith(":rows200")})
    for fam in fams:
        raw[f"tabular-search:{fam}:{TERM}"] = {
            "method": f"tabular-search:{fam}:{TERM}", "features": [feature], "coef": [a],
            "intercept": b, "transform": "none",
            "fitted_on": {"most": most, "n_models": len(rows),
                          "zoo": sorted({r["zoo"] for r in rows}),
                          "sizes": [200], "design": "lower-only lever term (issue 16 stop 62, "
                          "candidate W)"}}
    out.write_text(json.dumps(raw, indent=1) + "\n")
    load_calibrators(out)  # the file's own checks
    print(f"wrote {out}: {feature} a {a:.3f} b {b:.3f} most {most} for {', '.join(fams)}")


def figures(rows: list[dict], cal: Path) -> None:
    """Print per table and pooled today's figures (D) beside those with ``cal``'s lever term
    and the contrast search's class as a tree's target (W)."""
    cals = load_calibrators(cal)
    w = [{**r, "probability": lowered_probability(f"tabular-search:{r['family']}", cals,
                                                  r["features"], r["probability"]),
          "predicted_target": int(r["features"]["tab_lever_class"])
          if r["family"].startswith("tree") else r["predicted_target"]} for r in rows]
    for name in [*sorted({r["table"] for r in rows}), "pooled"]:
        for label, part in (("D", rows), ("W", w)):
            sel = [r for r in part if name in ("pooled", r["table"])]
            print(f"{name} {label}: {figures_line(sel, cpu=False)}")


def main(argv: list[str] | None = None) -> None:
    ap = LineParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", nargs="+", required=True)
    ap.add_argument("--table", action="store_true")
    ap.add_argument("--fit", choices=FEATURES)
    ap.add_argument("--most", type=float, default=3.0)
    ap.add_argument("--write", type=Path)
    args = ap.parse_args(argv)
    if args.fit and args.write is None:  # before any file is read
        ap.error("--fit needs --write")
    rows = load(args.rows)
    if args.table:
        table(rows)
    if args.fit:
        trees = [r for r in rows if r["family"].startswith("tree")
                 and r["family"].endswith(":rows200")]
        a, b = fit(trees, args.fit, args.most)
        write(trees, args.fit, a, b, args.most, args.write)
        figures(rows, args.write)


if __name__ == "__main__":
    main()
