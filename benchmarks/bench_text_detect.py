"""Text detection benchmark on TextCNN zoos (``benchmarks/make_text_zoo.py``).

Model level: ``text-inversion`` on every model of the calibration zoo; the calibrator's design
(feature subset and C) is chosen by leave-one-out cross-entropy on the calibration rows alone,
fitted on them, then ROC-AUC, cross-entropy, time per model and per-attack ROC-AUC (each
attack's models against all clean ones) on the *evaluation* zoo (never used for fitting).
Input level: ``strip-text`` on every backdoored model of the
evaluation zoo, fitted as a guard on half of the rt-polarity test split, TPR at 5% FPR (and
ROC-AUC) against that model's own trigger, per attack.

    python benchmarks/bench_text_detect.py --cal zoo/text-cal --eval zoo/text-eval \
        [--write-calibration] [--json benchmarks/out/text_detect.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from dataclasses import asdict
from pathlib import Path

import torch

from trojanscope.data import load_dataset
from trojanscope.detect.calibration import fit_calibrator, load_calibrators, save_calibrators
from trojanscope.detect.coverage import architecture_traits, count_traits
from trojanscope.detect.evaluate import ZooRow, run_zoo, score_rows
from trojanscope.detect.input_level.evaluate import evaluate_triggered
from trojanscope.executor import create_executor
from trojanscope.io.models import load_model
from trojanscope.mitigate.triggers import attack_from_spec
from trojanscope.models.text_common import attach_encoder
from trojanscope.registry import create
from trojanscope.zoo import effective, read_truth

METHOD = "text-inversion"
DESIGNS = {  # candidate feature subsets; the LOO cross-entropy on the calibration zoo chooses
    "best-token probability (3)": ["ti_prob_1", "ti_prob_2", "ti_prob_3"],
    "relaxed token (2)": ["tr_prob", "tr_gap"],
    "relaxed neutral token (1)": ["trn_prob"],
    "relaxed neutral token, once and twice (2)": ["trn_prob", "trn_prob_2x"],
    "relaxed neutral token + gap (2)": ["trn_prob", "trn_gap"],
    "relaxed neutral token + 3-token probability (2)": ["trn_prob", "ti_prob_3"],
    "relaxed neutral token + neutral search (2)": ["trn_prob", "tn_prob"],
    "relaxed neutral token + neutral search + 3-token (3)": ["trn_prob", "tn_prob", "ti_prob_3"],
}
CS = (0.3, 1.0)
SHIPPED = Path(__file__).resolve().parents[1] / "src/trojanscope/detect/calibration.json"


def progress(row, i, n) -> None:
    print(f"{i}/{n} {row.name} p={row.probability:.3f} {row.elapsed_s:.1f}s "
          f"{ {k: round(v, 3) for k, v in row.features.items()} }", file=sys.stderr, flush=True)


def traits(zoos: list[Path]) -> list[set[str]]:
    """Architecture traits of every effective model of ``zoos`` (the calibrator's coverage)."""
    out = []
    for zoo in zoos:
        _, entries = read_truth(zoo)
        out += [architecture_traits(load_model(zoo / e.name).module) for e in entries
                if effective(e)]
    return out


def input_level(zoo: Path, fpr: float) -> list[dict]:
    dataset, entries = read_truth(zoo)
    clean = load_dataset(dataset, "test")
    rows = []
    for entry in entries:
        if not entry.backdoored or not effective(entry):
            continue
        loaded = load_model(zoo / entry.name)
        result = evaluate_triggered(loaded.module, create("input-detector", "strip-text"),
                                    attach_encoder(loaded, clean),
                                    attack_from_spec(loaded.manifest.attack), fpr=fpr)
        rows.append({"model": entry.name, "attack": entry.attack, **result.as_dict()})
        print(f"inputs {entry.name}: AUC {result.roc_auc:.3f} TPR {result.tpr_at_fpr:.3f}",
              file=sys.stderr, flush=True)
    return rows


def loo_scores(rows: list[ZooRow], features: list[str], c: float) -> tuple[float, float]:
    """Leave-one-out cross-entropy and ROC-AUC of the calibrator design on ``rows``."""
    import numpy as np
    from sklearn.metrics import log_loss, roc_auc_score

    y = [int(r.backdoored) for r in rows]
    p = []
    for i, row in enumerate(rows):
        rest = rows[:i] + rows[i + 1:]
        cal = fit_calibrator(METHOD, [r.features for r in rest], y[:i] + y[i + 1:], features,
                             transform="none", c=c)
        p.append(cal.probability(row.features))
    return (float(log_loss(y, np.clip(p, 1e-6, 1 - 1e-6), labels=[0, 1])),
            float(roc_auc_score(y, p)))


def choose_design(rows: list[ZooRow], designs: dict[str, list[str]]) -> tuple[str, float,
                                                                               list[dict]]:
    """The (design, C) of lowest LOO cross-entropy on the calibration rows, and all scores."""
    scores = [{"design": name, "c": c, **dict(zip(("loo_ce", "loo_auc"),
                                                  loo_scores(rows, feats, c), strict=True))}
              for name, feats in designs.items() for c in CS]
    for s in scores:
        print(f"LOO {s['design']} C={s['c']}: cross-entropy {s['loo_ce']:.3f}, "
              f"ROC-AUC {s['loo_auc']:.3f}", file=sys.stderr)
    best = min(scores, key=lambda s: s["loo_ce"])
    return best["design"], best["c"], scores


def per_attack_auc(rows: list[ZooRow]) -> dict[str, float]:
    """ROC-AUC of each attack's models against every clean model."""
    from sklearn.metrics import roc_auc_score

    clean = [r.probability for r in rows if not r.backdoored]
    out = {}
    for attack in sorted({r.attack for r in rows if r.attack}):
        bad = [r.probability for r in rows if r.attack == attack]
        out[attack] = float(roc_auc_score([0] * len(clean) + [1] * len(bad), clean + bad))
    return out


def feature_auc(rows: list[ZooRow], designs: dict[str, list[str]],
                attack: str | None = None) -> dict[str, float]:
    """ROC-AUC of each feature of every design on its own (higher: more backdoor-like), over
    every model or over ``attack``'s models and the clean ones."""
    from sklearn.metrics import roc_auc_score

    names = sorted({f for feats in designs.values() for f in feats})
    rows = [r for r in rows if attack is None or not r.backdoored or r.attack == attack]
    y = [int(r.backdoored) for r in rows]
    return {f: round(float(roc_auc_score(y, [r.features[f] for r in rows])), 3) for f in names}


def other_designs(cal_rows: list[ZooRow], eval_rows: list[ZooRow],
                  designs: dict[str, list[str]]) -> dict[str, list[float]]:
    """ROC-AUC and cross-entropy on the evaluation zoo of every design fitted at C = 1."""
    out = {}
    for name, feats in designs.items():
        cal = fit_calibrator(METHOD, [r.features for r in cal_rows],
                             [int(r.backdoored) for r in cal_rows], feats, transform="none", c=1.0)
        for row in eval_rows:
            row.probability = cal.probability(row.features)
        s = score_rows(eval_rows)
        out[name] = [round(s["roc_auc"], 3), round(s["cross_entropy"], 3)]
    return out


def zoo_rows(zoo: Path, saved: Path | None, workers: int = 1,
             params: dict | None = None) -> list[ZooRow]:
    """The rows of ``zoo``: read from ``saved`` when it exists, else computed with the
    detector's ``params`` (and written there when given)."""
    if saved is not None and saved.is_file():
        return [ZooRow(**r) for r in json.loads(saved.read_text())]
    executor = create_executor("process", workers=workers) if workers > 1 else None
    rows = run_zoo(zoo, METHOD, calibrators={}, on_model=progress, executor=executor,
                   params=params)
    if saved is not None:
        saved.write_text(json.dumps([asdict(r) for r in rows]) + "\n")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cal", type=Path, nargs="+", required=True,
                        help="calibration zoo(s); their rows are pooled")
    parser.add_argument("--eval", type=Path, required=True)
    parser.add_argument("--fpr", type=float, default=0.05)
    parser.add_argument("--write-calibration", action="store_true")
    parser.add_argument("--skip-inputs", action="store_true")
    parser.add_argument("--json", type=Path, default=Path("benchmarks/out/text_detect.json"))
    parser.add_argument("--cal-rows", type=Path, nargs="+", default=None,
                        help="reuse (or, when missing, write) each calibration zoo's rows here")
    parser.add_argument("--eval-rows", type=Path, default=None,
                        help="reuse (or, when missing, write) the evaluation zoo's rows here")
    parser.add_argument("--cal-only", action="store_true", help="stop after the calibration zoo")
    parser.add_argument("--workers", type=int, default=1,
                        help="processes computing a zoo's rows (one torch thread each)")
    parser.add_argument("--designs", nargs="+", default=None, metavar="F1,F2,...",
                        help="candidate feature subsets, comma-separated feature names each "
                             "(default: the DESIGNS of this script)")
    parser.add_argument("--detector-params", default=None, metavar="JSON",
                        help="text-inversion arguments for computing rows, e.g. "
                             "'{\"relax_steps\": 0, \"neutral_tokens\": 0}' (the searches "
                             "are independent: the other features keep their default values)")
    opts = parser.parse_args()
    torch.set_num_threads(1)
    params = json.loads(opts.detector_params) if opts.detector_params else None
    if opts.cal_rows is not None and len(opts.cal_rows) != len(opts.cal):
        parser.error("--cal-rows needs one file per --cal zoo")
    cal_rows = []
    for i, zoo in enumerate(opts.cal):
        cal_rows += zoo_rows(zoo, opts.cal_rows[i] if opts.cal_rows else None, opts.workers,
                             params)
    if opts.cal_only:
        return
    designs = DESIGNS if opts.designs is None else {d: d.split(",") for d in opts.designs}
    missing = sorted({f for feats in designs.values() for f in feats}
                     - set.intersection(*(set(r.features) for r in cal_rows)))
    if missing:
        parser.error(f"features not in every calibration row: {', '.join(missing)}")
    design, c, loo = choose_design(cal_rows, designs)
    print(f"chosen on the calibration zoo: {design}, C = {c}")
    cal = fit_calibrator(METHOD, [r.features for r in cal_rows],
                         [int(r.backdoored) for r in cal_rows], designs[design],
                         transform="none", c=c, zoo=[str(z) for z in opts.cal],
                         models="textcnn on rt-polarity", coverage=count_traits(traits(opts.cal)))
    eval_rows = zoo_rows(opts.eval, opts.eval_rows, opts.workers, params)
    for row in eval_rows:  # the features do not depend on the calibrator: calibrate here
        row.probability = cal.probability(row.features)
    model_level = score_rows(eval_rows)
    print("| zoo | models (backdoored) | ROC-AUC | cross-entropy | TPR at 5% FPR | FPR at 0.5 "
          "| median s/model |")
    print("|---|---|---|---|---|---|---|")
    s = model_level
    cal_names = ", ".join(map(str, opts.cal))
    print(f"| {opts.eval} (calibrated on {cal_names}) | {s['n_models']} ({s['n_backdoored']}) | "
          f"{s['roc_auc']:.3f} | {s['cross_entropy']:.3f} | {s['tpr_at_5pct_fpr']:.2f} | "
          f"{s['false_positive_rate']:.2f} | {s['median_s_per_model']:.1f} |")
    model_level["roc_auc_by_attack"] = per_attack_auc(eval_rows)
    print(f"detection rate by attack: {s['detection_rate_by_attack']}")
    print(f"ROC-AUC by attack (against all clean): {model_level['roc_auc_by_attack']}")
    model_level["feature_auc"] = {zoo: feature_auc(rows, designs) for zoo, rows in
                                  (("cal", cal_rows), ("eval", eval_rows))}
    print(f"ROC-AUC of each feature alone: {model_level['feature_auc']}")
    model_level["feature_auc_by_attack"] = {
        zoo: {a: feature_auc(rows, designs, a)
              for a in sorted({r.attack for r in rows if r.attack})}
        for zoo, rows in (("cal", cal_rows), ("eval", eval_rows))}
    print(f"... per attack: {model_level['feature_auc_by_attack']}")
    shipped = load_calibrators(SHIPPED).get(METHOD)
    if shipped is not None:  # the calibrator in calibration.json now, as it is
        for row in eval_rows:
            row.probability = shipped.probability(row.features)
        s_now = score_rows(eval_rows)
        model_level["shipped"] = {"features": shipped.features, "fitted_on": shipped.fitted_on,
                                  "roc_auc_by_attack": per_attack_auc(eval_rows),
                                  **{k: s_now[k] for k in ("roc_auc", "cross_entropy",
                                                           "tpr_at_5pct_fpr",
                                                           "false_positive_rate",
                                                           "detection_rate_by_attack")}}
        print(f"calibration.json's calibrator ({shipped.features}) on {opts.eval}: "
              f"{model_level['shipped']}")
        for row in cal_rows:  # and on the calibration rows (in-sample where it was fitted)
            row.probability = shipped.probability(row.features)
        s_cal = score_rows(cal_rows)
        model_level["shipped_on_cal"] = {"roc_auc": s_cal["roc_auc"],
                                         "cross_entropy": s_cal["cross_entropy"],
                                         "roc_auc_by_attack": per_attack_auc(cal_rows)}
        print(f"... on the calibration rows: {model_level['shipped_on_cal']}")
    model_level["other_designs"] = other_designs(cal_rows, eval_rows, designs)
    print(f"every design at C = 1 (for the record, not chosen): {model_level['other_designs']}")
    for row in eval_rows:
        row.probability = cal.probability(row.features)
    inputs = [] if opts.skip_inputs else input_level(opts.eval, opts.fpr)
    if inputs:
        print(f"\n| attack | models | strip-text TPR at {opts.fpr:.0%} FPR (min / median) "
              "| ROC-AUC (min) |")
        print("|---|---|---|---|")
        for attack in sorted({r["attack"] for r in inputs}):
            sub = [r for r in inputs if r["attack"] == attack]
            tprs = [r["tpr_at_fpr"] for r in sub]
            print(f"| {attack} | {len(sub)} | {min(tprs):.3f} / {statistics.median(tprs):.3f} "
                  f"| {min(r['roc_auc'] for r in sub):.3f} |")
    if opts.write_calibration:
        shipped = load_calibrators(SHIPPED)
        shipped[METHOD] = cal
        save_calibrators(shipped, SHIPPED)
    opts.json.parent.mkdir(parents=True, exist_ok=True)
    opts.json.write_text(json.dumps({
        "calibrator": asdict(cal), "design": design, "loo": loo, "model_level": model_level,
        "cal_rows": [asdict(r) for r in cal_rows], "eval_rows": [asdict(r) for r in eval_rows],
        "input_level": inputs}, indent=2, default=str) + "\n")


if __name__ == "__main__":
    main()
