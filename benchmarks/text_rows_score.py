"""Fit and score text-inversion calibrators from committed rows files alone (no zoo folder):
the design of lowest leave-one-out cross-entropy among ``--designs`` on the pooled ``--cal-rows``,
beside a ``--baseline`` design fitted the same way, scored on each ``--eval-rows`` file — over
all models, per attack (against every clean model) and per group of model names (``--groups``:
name prefixes, e.g. the recipes of ``benchmarks/foreign_text_zoo.py``) — with and without the
vocabulary-order guard (rows whose ``tv_order`` is above the bound are served by the
behaviour-only ``text-inversion:transformer`` calibrator of ``calibration.json``, as
``detect`` does).

    python benchmarks/text_rows_score.py \
        --cal-rows benchmarks/data/text_rows/text-dev1000-addsent.json \
                   benchmarks/data/text_rows/text-cal1300.json \
        --eval-rows benchmarks/data/text_rows/text-eval1400.json \
        --designs tv_gap --baseline tv_gap3 [--write-calibration] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_text_detect import METHOD, SHIPPED, choose_design
from trojanscope.detect.calibration import (
    Calibrator,
    fit_calibrator,
    load_calibrators,
    save_calibrators,
)
from trojanscope.detect.evaluate import ZooRow
from trojanscope.detect.text_vocab_rank import ORDER_MAX

FALLBACK = "text-inversion:transformer"


def read_rows(paths: list[Path]) -> list[ZooRow]:
    return [ZooRow(**r) for p in paths for r in json.loads(p.read_text())]


def probabilities(rows: list[ZooRow], cal: Calibrator, fallback: Calibrator | None) -> list[float]:
    """Each row's probability from ``cal``; with ``fallback``, rows whose vocabulary is not
    frequency-ordered (``tv_order`` above the bound) get the fallback's."""
    out = []
    for r in rows:
        unordered = fallback is not None and r.features.get("tv_order", -1.0) > ORDER_MAX
        out.append((fallback if unordered else cal).probability(r.features))
    return out


def scores(rows: list[ZooRow], p: list[float]) -> dict:
    """ROC-AUC (None with one class), cross-entropy, clean models flagged at 0.5 (named)."""
    from sklearn.metrics import log_loss, roc_auc_score

    y = [int(r.backdoored) for r in rows]
    out = {"n": len(rows), "n_backdoored": sum(y),
           "cross_entropy": round(float(log_loss(y, np.clip(p, 1e-6, 1 - 1e-6),
                                                 labels=[0, 1])), 3),
           "clean_flagged": [r.name for r, q in zip(rows, p, strict=True)
                             if not r.backdoored and q >= 0.5],
           "backdoored_flagged": sum(1 for r, q in zip(rows, p, strict=True)
                                     if r.backdoored and q >= 0.5)}
    out["roc_auc"] = round(float(roc_auc_score(y, p)), 3) if 0 < sum(y) < len(y) else None
    return out


def report(rows: list[ZooRow], p: list[float], groups: list[str]) -> dict:
    """Scores over all rows, per attack (its models and every clean one) and per name group."""
    out = {"all": scores(rows, p), "per_attack": {}, "per_group": {},
           "probabilities": {r.name: round(q, 3) for r, q in zip(rows, p, strict=True)}}
    for attack in sorted({r.attack for r in rows if r.attack}):
        keep = [i for i, r in enumerate(rows) if not r.backdoored or r.attack == attack]
        out["per_attack"][attack] = scores([rows[i] for i in keep], [p[i] for i in keep])
    for g in groups:
        keep = [i for i, r in enumerate(rows) if r.name.startswith(g + "-")]
        if keep:
            out["per_group"][g] = scores([rows[i] for i in keep], [p[i] for i in keep])
    return out


def show(label: str, reports: dict[str, dict]) -> None:
    """Print each calibrator's :func:`report` (all rows, then per attack and per group)."""
    for name, r in reports.items():
        print(f"{label} {name}: {r['all']}")
        for key in ("per_attack", "per_group"):
            for g, s in r[key].items():
                print(f"    {g}: {s}")


def write_json(path: Path | None, result: dict) -> None:
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(result, indent=2, default=str) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cal-rows", type=Path, nargs="+", required=True)
    parser.add_argument("--eval-rows", type=Path, nargs="+", required=True)
    parser.add_argument("--designs", nargs="+", required=True, metavar="F1,F2,...")
    parser.add_argument("--baseline", required=True, metavar="F1,F2,...",
                        help="the design in calibration.json before (fitted at C = 1)")
    parser.add_argument("--groups", nargs="*", default=[])
    parser.add_argument("--write-calibration", action="store_true")
    parser.add_argument("--json", type=Path, default=None)
    opts = parser.parse_args()
    cal_rows = read_rows(opts.cal_rows)
    y = [int(r.backdoored) for r in cal_rows]
    shipped = load_calibrators(SHIPPED)
    old = shipped.get(METHOD)
    fitted_on = dict(old.fitted_on) if old is not None else {}
    designs = {d: d.split(",") for d in opts.designs}
    design, c, loo = choose_design(cal_rows, designs)

    def fit(features: list[str], c_value: float) -> Calibrator:
        return fit_calibrator(METHOD, [r.features for r in cal_rows], y, features,
                              transform="none", c=c_value, zoo=fitted_on.get("zoo"),
                              models=fitted_on.get("models"), coverage=fitted_on.get("coverage"))

    chosen, baseline = fit(designs[design], c), fit(opts.baseline.split(","), 1.0)
    print(f"chosen: {design}, C = {c}: coef {chosen.coef}, intercept {chosen.intercept:.3f}; "
          f"baseline {opts.baseline}: coef {baseline.coef}")
    fallback = shipped.get(FALLBACK)
    result = {"design": design, "c": c, "loo": loo, "chosen": asdict(chosen),
              "baseline": asdict(baseline), "eval": {}}
    for path in opts.eval_rows:
        rows = read_rows([path])
        result["eval"][path.name] = {
            name: report(rows, probabilities(rows, cal, guard), opts.groups)
            for name, cal, guard in (("baseline", baseline, None), ("chosen", chosen, None),
                                     ("chosen+order-guard", chosen, fallback),
                                     ("baseline+order-guard", baseline, fallback))}
        show(path.name, result["eval"][path.name])
    if opts.write_calibration:
        shipped[METHOD] = chosen
        save_calibrators(shipped, SHIPPED)
    write_json(opts.json, result)


if __name__ == "__main__":
    main()
