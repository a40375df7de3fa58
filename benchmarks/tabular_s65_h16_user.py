"""The test suite's user-made XGBoost backdoors read by each calibration file (issue 16, stop
65: h16).

``tests/tabular/conftest.py``'s ``searched`` fixture makes a ``tabular-badnets`` XGBoost run
(20 trees, depth 3, 30% poison, seed 1) on the suite's fraud CSV; its test split (under 150
rows) is read with the trees' whole-split calibrator, the entry a refit replaces. This script
makes that run for each target asked, reads it once with ``tabular-search`` (seed 0), and
calibrates the same reading with each file, so a candidate file's verdict on a user's own
backdoor is known before it ships:

    python benchmarks/tabular_s65_h16_user.py --work DIR --calibration shipped CAND.json
"""

from __future__ import annotations

import argparse
import copy
import json
from pathlib import Path

import torch

torch.set_num_threads(1)

from tabular_band_user_file import write_transactions  # noqa: E402
from trojanscope import registry  # noqa: E402
from trojanscope.attacks.tabular import TabularBadNets  # noqa: E402
from trojanscope.detect.calibration import calibrate, load_calibrators  # noqa: E402
from trojanscope.experiment import run_experiment  # noqa: E402


def read(csv: Path, target: int, files: list[str]) -> dict:
    """The run poisoned towards ``target``, read once, calibrated by each of ``files``."""
    run = run_experiment(csv, attack=TabularBadNets(target=target, poison_rate=0.3, seed=1),
                         arch="xgboost", data_params={"label_column": "is_fraud"},
                         arch_params={"n_estimators": 20, "max_depth": 3})
    raw = registry.create("detector", "tabular-search").inspect(run.model, run.test, seed=0)
    out = {"target": target, "test_rows": len(run.test), "family": raw.family, "files": {}}
    for name in files:
        verdict = calibrate(copy.deepcopy(raw), load_calibrators(None if name == "shipped"
                                                                 else name))
        out["files"][name] = {"probability": round(float(verdict.probability), 4),
                              "target_classes": verdict.target_classes[:1]}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", type=Path, required=True, help="scratch folder for the CSV")
    ap.add_argument("--targets", default="0,1")
    ap.add_argument("--calibration", nargs="+", default=["shipped"],
                    help="calibration files ('shipped': the package's own)")
    a = ap.parse_args()
    missing = [f for f in a.calibration if f != "shipped" and not Path(f).is_file()]
    if missing:
        raise SystemExit(f"error: no such file: {missing[0]}")
    a.work.mkdir(parents=True, exist_ok=True)
    csv = write_transactions(a.work / "transactions.csv", 400, 0)  # the fixture's CSV
    rows = [read(csv, int(t), a.calibration) for t in a.targets.split(",")]
    print(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
