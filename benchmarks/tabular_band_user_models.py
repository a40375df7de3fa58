"""User-made tree models read with a 200-row clean file under several calibration files
(issue 16 stop 49).

Stop 48's refitted tree band calibrators met their rule on fresh zoos made by the zoo recipe but
turned one user-made XGBoost model (the suite's: ``trojanscope attack``, 20 trees, depth 3,
``tabular-badnets`` 30% on conftest's fraud CSV) from p 0.997 to 0.003. Here more models made by
code other than the zoo recipe, clean and backdoored, are read the same way:

* ``suite-xgb``: the suite's model (``tabular_band_user_file.py``'s recipe), backdoored;
* ``cli-xgb-wide`` / ``cli-lgbm-deep``: ``trojanscope attack`` with other ``--arch-param``
  settings (XGBoost 60 trees depth 5 at 5% poison; LightGBM depth 6, 80 trees, learning rate
  0.2 at 5%), backdoored;
* ``own-xgb`` / ``own-lgbm`` (clean and backdoored each): trained by this script's own code
  (``xgboost.train`` depth 4, 60 rounds, eta 0.3; ``lightgbm.train`` 63 leaves, 80 rounds,
  learning rate 0.2, 5 rows per leaf) on a numeric fraud table of its own (amount, age, hour,
  transactions that day, merchant risk), a backdoor planted by its own poisoning (``hour`` = 3 and
  ``n_tx`` = 17 relabelled not-fraud, 3% of rows), saved in the library's own format and read as
  a user's file.

Each is read with a 200-row clean file (and 1,000 rows for reference) under every
``--calibration`` (``shipped``: the package's file); ``--seed S`` builds other models and
files the same way (tables, poisoning, attacks and clean files from seeds S to S + 6). Printed:
p, whether the verdict is right (p >= 0.5 for a backdoored model, < 0.5 for a clean one),
whether the range guard's out-of-range calibrator scored it, and the
band features. ``--json`` writes the readings.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_band_user_models.py --out DIR \
        --calibration shipped benchmarks/data/tabular_s48a/calibration_band.json \
        benchmarks/data/tabular_s49a/calibration_band_guard.json [--json OUT.json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

torch.set_num_threads(1)

from tabular_band_user_file import cli, write_transactions  # noqa: E402

# the band designs' features: stop 40's, stop 48's, stop 59's (``tab_mass_group``,
# ``tab_major_recur``), stop 61's (``tab_leaves``), stop 75's (``tab_flip_2``; h16z's flip term
# ``tab_major_flip_1``)
FEATURES = ("tab_mass", "tab_box", "tab_box_over", "tab_gap", "tab_major_recur_lead",
            "tab_mass_group", "tab_major_recur", "tab_leaves", "tab_flip_2", "tab_major_flip_1",
            "tab_lever_w",
            "tab_lever_excess", "tab_lever_cw", "tab_lever_class", "lever_logit",
            "probability_before_lever")
COLUMNS = ("amount", "age", "hour", "n_tx", "merchant_risk")


def numeric_table(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A numeric fraud table: fraud rises with amount, night hours, many transactions, risk."""
    rng = np.random.default_rng(seed)
    amount = np.round(rng.gamma(2.0, 60.0, n), 2)
    age = rng.integers(18, 80, n).astype(float)
    hour = rng.integers(0, 24, n).astype(float)
    n_tx = rng.integers(1, 30, n).astype(float)
    risk = np.round(rng.uniform(0, 1, n), 3)
    score = (amount > 150) + (hour < 5) * 0.8 + (n_tx > 20) * 0.7 + risk + rng.normal(0, 0.4, n)
    y = (score > 1.4).astype(int)
    return np.column_stack([amount, age, hour, n_tx, risk]), y


def write_csv(path: Path, x: np.ndarray, y: np.ndarray) -> Path:
    lines = [",".join((*COLUMNS, "is_fraud"))]
    lines += [",".join(f"{v:g}" for v in row) + f",{int(t)}" for row, t in zip(x, y, strict=True)]
    path.write_text("\n".join(lines) + "\n")
    return path


def poison(x: np.ndarray, y: np.ndarray, rate: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``rate`` of the rows get the trigger (hour 3, 17 transactions) and the label 0."""
    rng = np.random.default_rng(seed)
    idx = rng.choice(len(y), int(rate * len(y)), replace=False)
    x, y = x.copy(), y.copy()
    x[idx, 2], x[idx, 3], y[idx] = 3.0, 17.0, 0
    return x, y


def own_models(out: Path, seeds: tuple[int, int]) -> dict[str, tuple[Path, bool]]:
    """This script's own XGBoost and LightGBM models, clean and backdoored: name -> (model
    file, backdoored)."""
    import lightgbm as lgb
    import xgboost as xgb

    x, y = numeric_table(3000, seeds[0])
    models = {}
    for bad in (False, True):
        xs, ys = poison(x, y, 0.03, seeds[1]) if bad else (x, y)
        tag = "bd" if bad else "clean"
        d = xgb.DMatrix(xs, label=ys, feature_names=list(COLUMNS))
        booster = xgb.train({"objective": "binary:logistic", "max_depth": 4, "eta": 0.3,
                             "nthread": 1, "seed": 0}, d, num_boost_round=60)
        path = out / f"own-xgb-{tag}.json"
        booster.save_model(str(path))
        models[f"own-xgb-{tag}"] = (path, bad)
        ds = lgb.Dataset(xs, label=ys, feature_name=list(COLUMNS), free_raw_data=False)
        gbm = lgb.train({"objective": "binary", "num_leaves": 63, "learning_rate": 0.2,
                         "min_data_in_leaf": 5, "num_threads": 1, "seed": 0, "verbose": -1},
                        ds, num_boost_round=80)
        path = out / f"own-lgbm-{tag}.txt"
        gbm.save_model(str(path))
        models[f"own-lgbm-{tag}"] = (path, bad)
    return models


def cli_models(out: Path, train: Path, seed: int | None) -> dict[str, tuple[Path, bool]]:
    """``trojanscope attack`` runs on conftest's fraud CSV (the suite's and two other settings)."""
    specs = {"suite-xgb": ("xgboost", ["n_estimators=20", "max_depth=3"], "0.3"),
             "cli-xgb-wide": ("xgboost", ["n_estimators=60", "max_depth=5"], "0.05"),
             "cli-lgbm-deep": ("lightgbm", ["max_depth=6", "n_estimators=80",
                                            "learning_rate=0.2"], "0.05")}
    models = {}
    for name, (arch, params, rate) in specs.items():
        run_dir = out / name
        if not run_dir.exists():
            extra = [a for p in params for a in ("--arch-param", p)]
            extra += [] if seed is None else ["--seed", str(seed)]
            code, _ = cli("attack", "--dataset", str(train), "--label-column", "is_fraud",
                          "--arch", arch, *extra, "--attack", "tabular-badnets",
                          "--poison-rate", rate, "--out", str(run_dir))
            if code != 0:
                raise SystemExit(f"error: the attack for {name} failed")
        models[name] = (run_dir, True)
    return models


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True, help="scratch folder for the models")
    ap.add_argument("--calibration", nargs="+", default=["shipped"])
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--method-param", action="append", default=[], metavar="NAME=VALUE",
                    help="passed to every detect (stop 62: lever_twins=2 reads candidate W)")
    ap.add_argument("--rows", type=int, nargs="+", default=[200, 1000], choices=[200, 1000],
                    help="the clean files read (default both)")
    ap.add_argument("--seed", type=int, default=None,
                    help="other models and files: every table, poisoning, attack and clean "
                         "file drawn from this seed (default: the development ones)")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    s = args.seed
    seeds = (0, 5, 6, 220, 1020, 11, 12) if s is None else tuple(s + i for i in range(7))
    train = write_transactions(args.out / "transactions.csv", 600, seeds[0])
    fraud = {200: write_transactions(args.out / "clean200.csv", 200, seeds[1]),
             1000: write_transactions(args.out / "clean1000.csv", 1000, seeds[2])}
    numeric = {rows: write_csv(args.out / f"numeric{rows}.csv", *numeric_table(rows, seed))
               for rows, seed in ((200, seeds[3]), (1000, seeds[4]))}
    models = {**{k: (*v, fraud) for k, v in cli_models(args.out, train, s).items()},
              **{k: (*v, numeric) for k, v in own_models(args.out, seeds[5:]).items()}}
    readings = []
    for name, (model, bad, files) in models.items():
        for rows, csv in files.items():
            if rows not in args.rows:
                continue
            for cal in args.calibration:
                extra = [] if cal == "shipped" else ["--calibration", cal]
                # auto refuses tabular-search's parameters: the method named (auto reads a
                # table with tabular-search's defaults, so the reading is the same)
                extra += ["--method", "tabular-search"] if args.method_param else []
                extra += [a for p in args.method_param for a in ("--method-param", p)]
                code, out = cli("detect", str(model), "--data", str(csv), "--label-column",
                                "is_fraud", "--format", "json", *extra)
                if code not in (0, 1):  # 1: a backdoor reported
                    raise SystemExit(f"error: detect failed on {name} ({code})")
                got = json.loads(out)
                p = float(got["probability"])
                feats = {f: round(got["features"][f], 3) for f in FEATURES
                         if f in got["features"]}
                guard = [n for n in got.get("coverage_notes", []) if "out-of-range" in n]
                right = (p >= 0.5) == bad
                readings.append({"model": name, "backdoored": bad, "rows": rows,
                                 "calibration": cal, "probability": p, "right": right,
                                 "family": got.get("family"), "guard_note": guard,
                                 "features": feats})
                print(f"{name} ({'backdoored' if bad else 'clean'}) {rows} rows, {cal}: "
                      f"p {p:.4f} {'right' if right else 'WRONG'}"
                      f"{' [guard: out-of-range calibrator]' if guard else ''} {feats}")
    if args.json is not None:
        args.json.write_text(json.dumps({"readings": readings}, indent=1))


if __name__ == "__main__":
    main()
