"""Whole-split networks read with clean twins beside the sure rows (candidate T71, issue 16
stop 71).

Credit-default MLPs aimed at class 1 whose trigger is made of class 1's own risk factors are
missed at the whole split: the linear reference, additive in the logit, rises with three such
categories as much as the backdoored network (stop 70), more than a clean network does. Clean
twins distilled from the model on the clean rows (:mod:`trojanscope.detect.tabular_twins`)
answer such a combination as a clean network of its shape would, so the excess against them
(``tab_excess_vs_twins``) keeps what the linear reference takes away. The shipped whole-split
entry (``tabular-search:network:sure``) is kept as it is and one term is added for
``tab_excess_vs_twins`` (an offset fit: its weight and an intercept shift, M70's six weights
fixed), written as the entry ``tabular-search:network:sure:twins`` that ``-p whole_twins=2``
readings are scored by.

Rows: readings that hold both the sure rows' and the twins' features, either real ones
(``tabular_small_clean.py --detect -p whole_twins=2``) or stop 47's twins readings joined with
stop 55's sure readings of the same zoos (``TWINS.json+SURE.json,...``: refused unless every
joined reading's ``tab_excess`` agrees). Each pair of zoos (a stop's credit-default and
lending-club zoo) is held out in turn; today (the shipped entry) and the offset design are
reported per table and family (``tabular_net_refit.report``). ``--write FILE``: the shipped
file with the entry added, fitted on every row.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s71_h16_twins.py \
        --rows T71_A.json ... --joined TW.json+SURE.json ... [--cs 1,10] [--write OUT.json]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from tabular_net_refit import load, report
from tabular_s70_h16_mlp import pair_of
from trojanscope.detect.calibration import (
    Calibrator,
    load_calibrators,
    save_calibrators,
    sigmoid,
)

BASE = "tabular-search:network:sure"
KEY = "tabular-search:network:sure:twins"
TWIN = "tab_excess_vs_twins"


def joined(spec: str) -> list[dict]:
    """Stop 47's twins readings (``TWINS``) with the sure rows' features of stop 55's readings
    of the same models (``SURE``) added; every joined pair must agree on ``tab_excess``."""
    twins_path, _, sure_paths = spec.partition("+")
    sure = {(r["zoo"], r["name"]): r for r in load(sure_paths.split(","), "whole")}
    out = []
    for r in load([twins_path], "whole"):
        s = sure.get((r["zoo"], r["name"]))
        if s is None:
            raise SystemExit(f"error: {r['zoo']}/{r['name']} has no sure reading in {sure_paths}")
        if abs(s["features"]["tab_excess"] - r["features"]["tab_excess"]) > 1e-9:
            raise SystemExit(f"error: {r['zoo']}/{r['name']}: the two readings differ")
        out.append({**s, "features": {**s["features"], TWIN: r["features"][TWIN]}})
    return out


def base_logits(rows: list[dict], base: Calibrator) -> np.ndarray:
    return np.array([base.logit(r["features"]) for r in rows])


def fit_offset(logit0: np.ndarray, z: np.ndarray, y: np.ndarray, c: float) -> tuple[float, float]:
    """(w, b) of ``sigmoid(logit0 + w * z + b)`` by penalised likelihood (``0.5 w^2 / c``, as
    scikit-learn's C; ``b`` unpenalised)."""
    def loss(theta: np.ndarray) -> float:
        s = logit0 + theta[0] * z + theta[1]
        return float(np.sum(np.logaddexp(0.0, s) - y * s) + 0.5 * theta[0] ** 2 / c)
    res = minimize(loss, np.zeros(2), method="BFGS")
    return float(res.x[0]), float(res.x[1])


def standardise(rows: list[dict]) -> tuple[float, float]:
    v = np.array([r["features"][TWIN] for r in rows])
    return float(v.mean()), float(v.std() or 1.0)


def held_out(rows: list[dict], base: Calibrator, c: float) -> np.ndarray:
    """Each pair's rows scored by the offset fitted on every other pair."""
    out = np.zeros(len(rows))
    logit0, y = base_logits(rows, base), np.array([int(r["backdoored"]) for r in rows])
    for pair in sorted({pair_of(r["zoo"]) for r in rows}):
        train = np.array([pair_of(r["zoo"]) != pair for r in rows])
        m, s = standardise([r for r, t in zip(rows, train, strict=True) if t])
        z = (np.array([r["features"][TWIN] for r in rows]) - m) / s
        w, b = fit_offset(logit0[train], z[train], y[train], c)
        out[~train] = sigmoid_all(logit0[~train] + w * z[~train] + b)
    return out


def sigmoid_all(v: np.ndarray) -> np.ndarray:
    return np.array([sigmoid(float(x)) for x in v])


def entry(rows: list[dict], base: Calibrator, c: float) -> Calibrator:
    """The shipped entry with the twins' term: its six weights, ``w`` on the standardised
    ``tab_excess_vs_twins``, its intercept shifted by ``b``."""
    m, s = standardise(rows)
    z = (np.array([r["features"][TWIN] for r in rows]) - m) / s
    w, b = fit_offset(base_logits(rows, base), z, np.array([int(r["backdoored"]) for r in rows]),
                      c)
    fitted = {**base.fitted_on, "n_models": len(rows), "C": c,
              "design": f"{base.fitted_on.get('design', BASE)} + vs_twins (offset)",
              "offset_of": BASE, "zoo": sorted({r["zoo"] for r in rows}),
              "models": len(rows),
              "tables": {t: sum(r["table"] == t for r in rows)
                         for t in sorted({r["table"] for r in rows})}}
    return Calibrator(KEY, [*base.features, TWIN], [*base.coef, w], base.intercept + b,
                      fitted, [*(base.mean or [0.0] * len(base.features)), m],
                      [*(base.scale or [1.0] * len(base.features)), s], base.transform)


def why(rows: list[dict], today: np.ndarray, cand: np.ndarray) -> None:
    """Credit-default networks whose probability moved most, one by one."""
    idx = sorted((i for i, r in enumerate(rows) if r["table"] == "credit-default"),
                 key=lambda i: -abs(cand[i] - today[i]))[:24]
    for i in idx:
        r = rows[i]
        tag = f"target {r['target']}" if r["backdoored"] else "clean"
        print(f"  {r['zoo']}/{r['name']} ({tag}): vs_twins {r['features'][TWIN]:.3f}, "
              f"p {today[i]:.3f} -> {cand[i]:.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", nargs="*", default=[])
    ap.add_argument("--joined", nargs="*", default=[])
    ap.add_argument("--cs", default="1,10")
    ap.add_argument("--calibration", type=Path, default=None, help="today's file (shipped)")
    ap.add_argument("--write", type=Path, default=None)
    ap.add_argument("--fit-c", type=float, default=10.0)
    args = ap.parse_args()
    rows = load(args.rows, "whole") + [r for spec in args.joined for r in joined(spec)]
    missing = [r["name"] for r in rows if TWIN not in r["features"]
               or "tab_excess_sure" not in r["features"]]
    if missing:
        raise SystemExit(f"error: {len(missing)} readings lack the twins' or the sure features")
    cals = load_calibrators(args.calibration)
    base = cals[BASE]
    today = sigmoid_all(base_logits(rows, base))
    print(f"{len(rows)} readings, {len({pair_of(r['zoo']) for r in rows})} pairs")
    report("today (the shipped entry)", rows, list(today))
    for c in (float(v) for v in args.cs.split(",")):
        cand = held_out(rows, base, c)
        report(f"+ vs_twins offset, C {c:g}, one pair out", rows, list(cand))
        why(rows, today, cand)
    if args.write:
        cals[KEY] = entry(rows, base, args.fit_c)
        save_calibrators(cals, args.write)
        e = cals[KEY]
        print(f"{KEY}: w {e.coef[-1]:.3f}, intercept {e.intercept:.3f} (shift "
              f"{e.intercept - base.intercept:+.3f}); wrote {args.write}")


if __name__ == "__main__":
    main()
