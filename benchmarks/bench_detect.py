"""Model-level detection benchmark on MNIST model zoos.

1. Builds (or reuses) a calibration zoo and an evaluation zoo with different seeds
   (``trojanscope zoo make``: 20 clean + 20 backdoored each, BadNets/Blended/SIG/WaNet,
   three architectures). Backdoors that did not take (ASR < 0.8) are left out of both.
2. Fits each method's calibrator on the calibration zoo only (``--ship`` writes them into the
   package's ``detect/calibration.json``).
3. Runs every method on the evaluation zoo and prints ROC-AUC, cross-entropy, Brier score,
   TPR at 5% FPR, detection rate per attack, target-class accuracy and time per model — and the
   speed-up of the fast method over Neural Cleanse on the same models.

    python benchmarks/bench_detect.py [--methods auto,trigger_search,mmbd,neural_cleanse] [--ship]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import asdict
from pathlib import Path

import torch

from trojanscope.detect.calibration import (
    SHIPPED,
    fit_calibrator,
    load_calibrators,
    save_calibrators,
)
from trojanscope.detect.evaluate import run_zoo, score_rows
from trojanscope.zoo import make_zoo

# (method, data-free?, features the calibrator uses)
CONFIGS = {
    "auto": (
        False,
        ["ts_log_norm_ratio", "ts_anomaly", "mmbd_neglog10_p", "mmbd_anomaly", "mmbd_ratio"],
    ),
    "auto:data-free": (True, ["mmbd_neglog10_p", "mmbd_anomaly", "mmbd_ratio"]),
    "trigger_search": (False, ["ts_log_norm_ratio", "ts_anomaly"]),
    "mmbd": (True, ["mmbd_neglog10_p", "mmbd_anomaly", "mmbd_ratio"]),
    "neural_cleanse": (False, ["anomaly_index", "min_norm_ratio"]),
}


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cal-zoo", type=Path, default=Path("zoo/cal"))
    parser.add_argument("--eval-zoo", type=Path, default=Path("zoo/eval"))
    parser.add_argument("--methods", default=",".join(CONFIGS))
    parser.add_argument(
        "--threads", type=int, default=None, help="torch threads (default: torch's)"
    )
    parser.add_argument("--ship", action="store_true", help="write calibrators into the package")
    parser.add_argument("--json", type=Path, default=Path("benchmarks/out/detect.json"))
    opts = parser.parse_args()
    if opts.threads:
        torch.set_num_threads(opts.threads)
    for zoo, seed in ((opts.cal_zoo, 100), (opts.eval_zoo, 200)):
        make_zoo(
            "mnist",
            zoo,
            n_clean=20,
            n_backdoored=20,
            seed=seed,
            on_model=lambda e, i, n: log(f"zoo {e.name} {i}/{n}"),
        )
    calibrators, results = {}, {}
    for key in opts.methods.split(","):
        data_free, features = CONFIGS[key]
        method = key.split(":")[0]
        start = time.perf_counter()
        cal_rows = run_zoo(
            opts.cal_zoo,
            method,
            data_free=data_free,
            calibrators={},
            on_model=lambda r, i, n, key=key: log(f"{key} cal {r.name} {i}/{n} {r.elapsed_s:.1f}s"),
        )
        cal_key = f"{method}:data-free" if data_free and method == "auto" else method
        cal = fit_calibrator(
            cal_key,
            [r.features for r in cal_rows],
            [int(r.backdoored) for r in cal_rows],
            features,
            zoo=str(opts.cal_zoo),
        )
        calibrators[cal_key] = cal
        rows = run_zoo(
            opts.eval_zoo,
            method,
            data_free=data_free,
            calibrators={cal_key: cal},
            on_model=lambda r, i, n, key=key: log(
                f"{key} eval {r.name} {i}/{n} p={r.probability:.2f}"
            ),
        )
        results[key] = {
            "scores": score_rows(rows),
            "rows": [asdict(r) for r in rows],
            "calibration_rows": [asdict(r) for r in cal_rows],
            "calibrator": asdict(cal),
            "wall_s": time.perf_counter() - start,
        }
    if opts.ship:
        path = Path(__file__).resolve().parents[1] / "src/trojanscope/detect" / SHIPPED
        shipped = load_calibrators(path) if path.exists() else {}
        save_calibrators({**shipped, **calibrators}, path)  # update this run's methods only
        log(f"wrote {path}")
    threads = torch.get_num_threads()
    print(f"\nEvaluation zoo {opts.eval_zoo} (calibrated on {opts.cal_zoo}); threads {threads}\n")
    print(
        "| method | models (backdoored) | ROC-AUC | cross-entropy | Brier | TPR@5%FPR | FPR@0.5 "
        "| detected: badnets / blended / sig / wanet | target right (flagged) | median s/model |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    fmt = lambda v: "n/a" if isinstance(v, float) and math.isnan(v) else f"{v:.3f}"  # noqa: E731
    for key, res in results.items():
        s = res["scores"]
        per = s["detection_rate_by_attack"]
        rates = " / ".join(
            f"{per.get(a, float('nan')):.0%}" for a in ("badnets", "blended", "sig", "wanet")
        )
        cells = [
            key,
            f"{s['n_models']} ({s['n_backdoored']})",
            fmt(s["roc_auc"]),
            fmt(s["cross_entropy"]),
            fmt(s["brier"]),
            fmt(s["tpr_at_5pct_fpr"]),
            fmt(s["false_positive_rate"]),
            rates,
            fmt(s["target_accuracy_flagged"]),
            f"{s['median_s_per_model']:.1f}",
        ]
        print("| " + " | ".join(cells) + " |")
    if "neural_cleanse" in results and "trigger_search" in results:
        nc = results["neural_cleanse"]["scores"]["median_s_per_model"]
        ts = results["trigger_search"]["scores"]["median_s_per_model"]
        print(f"\nSpeed-up of trigger_search over neural_cleanse (median s/model): {nc / ts:.1f}×")
    opts.json.parent.mkdir(parents=True, exist_ok=True)
    opts.json.write_text(json.dumps({k: {**v} for k, v in results.items()}, indent=2, default=str))


if __name__ == "__main__":
    main()
