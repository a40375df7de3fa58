"""Model-level detection benchmark on MNIST model zoos.

1. Builds (or reuses) one or more calibration zoos and an evaluation zoo, all with different
   seeds (``trojanscope zoo make``: 20 clean + 20 backdoored each, BadNets/Blended/SIG/WaNet,
   three architectures). Backdoors that did not take (ASR < 0.8) are left out of all.
2. Fits each method's calibrator on the calibration zoos only, pooled (``--ship`` writes them
   into the package's ``detect/calibration.json``). ``--cal-only`` stops here and saves the
   calibration rows (features) for ``calibration_cv.py`` without touching the evaluation zoo.
3. Runs every method on the evaluation zoo and prints ROC-AUC, cross-entropy, Brier score,
   TPR at 5% FPR, detection rate per attack, target-class accuracy and time per model — and the
   speed-up of the fast method over Neural Cleanse on the same models.

    python benchmarks/bench_detect.py [--methods auto,trigger_search,mmbd,neural_cleanse]
        [--cal-zoo zoo/cal --cal-zoo zoo-cal2 ...] [--cal-only] [--ship]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch

from trojanscope.detect.calibration import (
    SHIPPED,
    fit_calibrator,
    load_calibrators,
    save_calibrators,
)
from trojanscope.detect.evaluate import ZooRow, run_zoo, score_rows
from trojanscope.zoo import TRUTH_NAME, make_zoo

MMBD3 = ["mmbd_neglog10_p", "mmbd_anomaly", "mmbd_ratio"]
# method → (data-free?, features the calibrator uses, transform, C). Each design was chosen by
# leave-one-out cross-entropy on the pooled calibration zoos (calibration_cv.py); Neural
# Cleanse keeps the design chosen on the first calibration zoo.
CONFIGS: dict[str, tuple[bool, list[str], str, float]] = {
    "auto": (False, MMBD3, "log", 100.0),
    "auto:data-free": (True, MMBD3, "log", 100.0),
    "trigger_search": (False, ["ts_log_norm_ratio", "ts_anomaly"], "none", 3.0),
    "mmbd": (True, MMBD3, "log", 100.0),
    "neural_cleanse": (False, ["anomaly_index", "min_norm_ratio"], "log", 10.0),
}


# Seeds of the zoos this benchmark builds when they are missing (an existing zoo keeps its own).
CAL_SEEDS = (100, 300, 400, 500, 600)
EVAL_SEED = 200
ZOO_SIZE = 40  # 20 clean + 20 backdoored


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def ensure_zoo(zoo: Path, seed: int) -> None:
    """Build ``zoo`` (20 clean + 20 backdoored MNIST models) or finish it; a complete zoo is only
    read (never rewritten), an incomplete one is resumed with the seed in its truth file."""
    truth = zoo / TRUTH_NAME
    if truth.is_file():
        recorded = json.loads(truth.read_text())
        if len(recorded["models"]) >= ZOO_SIZE:
            return
        seed = int(recorded["seed"])
    make_zoo(
        "mnist",
        zoo,
        n_clean=ZOO_SIZE // 2,
        n_backdoored=ZOO_SIZE // 2,
        seed=seed,
        on_model=lambda e, i, n: log(f"zoo {zoo} {e.name} {i}/{n}"),
    )


def calibration_rows(zoos: list[Path], method: str, data_free: bool, key: str) -> list[ZooRow]:
    """The method's rows on every calibration zoo, pooled (names prefixed by their zoo)."""
    rows = []
    for zoo in zoos:
        for row in run_zoo(
            zoo,
            method,
            data_free=data_free,
            calibrators={},
            on_model=lambda r, i, n, zoo=zoo: log(
                f"{key} cal {zoo} {r.name} {i}/{n} {r.elapsed_s:.1f}s"
            ),
        ):
            row.name = f"{zoo.name}/{row.name}"
            rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cal-zoo",
        type=Path,
        action="append",
        help="calibration zoo (repeat to pool several; default: zoo/cal)",
    )
    parser.add_argument("--eval-zoo", type=Path, default=Path("zoo/eval"))
    parser.add_argument("--methods", default=",".join(CONFIGS))
    parser.add_argument(
        "--threads", type=int, default=None, help="torch threads (default: torch's)"
    )
    parser.add_argument(
        "--cal-only",
        action="store_true",
        help="only run the calibration zoos and save their rows (design choice; no evaluation)",
    )
    parser.add_argument(
        "--reuse-cal",
        type=Path,
        help="take the calibration rows from this earlier --json output (same zoos and code) "
        "instead of re-running the methods on the calibration zoos",
    )
    parser.add_argument("--ship", action="store_true", help="write calibrators into the package")
    parser.add_argument("--json", type=Path, default=Path("benchmarks/out/detect.json"))
    opts = parser.parse_args()
    cal_zoos: list[Path] = opts.cal_zoo or [Path("zoo/cal")]
    if opts.threads:
        torch.set_num_threads(opts.threads)
    for zoo, seed in zip(cal_zoos, CAL_SEEDS, strict=False):
        ensure_zoo(zoo, seed)
    if not opts.cal_only:
        ensure_zoo(opts.eval_zoo, EVAL_SEED)
    reused = json.loads(opts.reuse_cal.read_text()) if opts.reuse_cal else {}
    calibrators, results = {}, {}
    opts.json.parent.mkdir(parents=True, exist_ok=True)
    for key in opts.methods.split(","):
        data_free, features, transform, c = CONFIGS[key]
        method = key.split(":")[0]
        start = time.perf_counter()
        if key in reused:
            cal_rows = [ZooRow(**r) for r in reused[key]["calibration_rows"]]
        else:
            cal_rows = calibration_rows(cal_zoos, method, data_free, key)
        cal_key = f"{method}:data-free" if data_free and method == "auto" else method
        cal = fit_calibrator(
            cal_key,
            [r.features for r in cal_rows],
            [int(r.backdoored) for r in cal_rows],
            features,
            transform=transform,
            c=c,
            zoo=[str(z) for z in cal_zoos],
        )
        calibrators[cal_key] = cal
        results[key] = {
            "calibration_rows": [asdict(r) for r in cal_rows],
            "calibrator": asdict(cal),
        }
        if opts.cal_only:
            opts.json.write_text(json.dumps(results, indent=2, default=str))  # progress
            continue
        rows = run_zoo(
            opts.eval_zoo,
            method,
            data_free=data_free,
            calibrators={cal_key: cal},
            on_model=lambda r, i, n, key=key: log(
                f"{key} eval {r.name} {i}/{n} p={r.probability:.2f}"
            ),
        )
        results[key].update(
            scores=score_rows(rows),
            rows=[asdict(r) for r in rows],
            wall_s=time.perf_counter() - start,
        )
    opts.json.write_text(json.dumps(results, indent=2, default=str))
    if opts.cal_only:
        log(f"calibration rows written to {opts.json}")
        return
    if opts.ship:
        path = Path(__file__).resolve().parents[1] / "src/trojanscope/detect" / SHIPPED
        shipped = load_calibrators(path) if path.exists() else {}
        save_calibrators({**shipped, **calibrators}, path)  # update this run's methods only
        log(f"wrote {path}")
    print_table(results, opts.eval_zoo, cal_zoos)


def print_table(results: dict[str, Any], eval_zoo: Path, cal_zoos: list[Path]) -> None:
    """The evaluation-zoo table (Markdown) and the speed-up over Neural Cleanse."""
    threads = torch.get_num_threads()
    cal = ", ".join(map(str, cal_zoos))
    print(f"\nEvaluation zoo {eval_zoo} (calibrated on {cal}); threads {threads}\n")
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


if __name__ == "__main__":
    main()
