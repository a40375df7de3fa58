"""A user's fraud CSV read with a 200-row clean file by two calibration files (issue 16 stop 48).

``tests/tabular/test_size_curve_note.py`` plants a backdoor in a small XGBoost model (20 trees,
depth 3, ``tabular-badnets`` at 30% poison) trained on conftest's fraud-style CSV, made by no
zoo recipe. This script builds that model the same way and reads it with the test's 200-row and
1,000-row clean files under each ``--calibration`` file given (``shipped``: the package's), and
prints p and the tree features the band designs read, beside each feature's range over the
development readings (``--dev``, ``tabular_small_clean.py`` rows) of the same library — a
feature far outside that range is where a refitted design extrapolates.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_band_user_file.py --out DIR \
        --calibration shipped benchmarks/data/tabular_s48a/calibration_band.json \
        --dev benchmarks/data/tabular_s48a/dev26_default.json
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import json
from pathlib import Path

import numpy as np
import torch

torch.set_num_threads(1)

from trojanscope.cli.main import run  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FEATURES = ("tab_mass", "tab_box", "tab_box_over", "tab_gap", "tab_major_recur_lead")


def cli(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = run(list(args))
    return code, out.getvalue()


def write_transactions(path: Path, n: int, seed: int) -> Path:
    """tests/tabular/conftest.py's CSV writer, loaded by path (the test's own data)."""
    spec = importlib.util.spec_from_file_location("tabular_conftest",
                                                  ROOT / "tests/tabular/conftest.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.write_transactions(path, n=n, seed=seed)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True, help="scratch folder for the model")
    ap.add_argument("--calibration", nargs="+", default=["shipped"])
    ap.add_argument("--dev", nargs="*", default=[])
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    run_dir = args.out / "run"
    if not run_dir.exists():
        train = write_transactions(args.out / "transactions.csv", 600, 0)
        code, _ = cli("attack", "--dataset", str(train), "--label-column", "is_fraud", "--arch",
                      "xgboost", "--arch-param", "n_estimators=20", "--arch-param",
                      "max_depth=3", "--attack", "tabular-badnets", "--poison-rate", "0.3",
                      "--out", str(run_dir))
        if code != 0:
            raise SystemExit("error: the attack failed")
    files = {200: write_transactions(args.out / "clean200.csv", 200, 5),
             1000: write_transactions(args.out / "clean1000.csv", 1000, 6)}
    for rows, csv in files.items():
        for cal in args.calibration:
            extra = [] if cal == "shipped" else ["--calibration", cal]
            _, out = cli("detect", str(run_dir), "--data", str(csv), "--label-column",
                         "is_fraud", "--format", "json", *extra)
            got = json.loads(out)
            feats = {f: round(got["features"][f], 3) for f in FEATURES if f in got["features"]}
            print(f"{rows} rows, calibration {cal}: p {got['probability']:.4f} {feats}")
    dev = [r for f in args.dev for r in json.loads(Path(f).read_text())["rows"]
           if r.get("arch") == "xgboost"]
    for f in FEATURES:
        for bad in (False, True):
            v = np.array([r["features"][f] for r in dev if bool(r["backdoored"]) == bad])
            if len(v):
                print(f"development XGBoost {'backdoored' if bad else 'clean'} {f}: "
                      f"min {v.min():.2f} median {np.median(v):.2f} max {v.max():.2f} "
                      f"({len(v)} readings)")


if __name__ == "__main__":
    main()
