"""Tree models made by other code, run through the CLI exactly as a user would.

Trains small XGBoost and LightGBM models the way users' own scripts do (pandas DataFrames
with column names, categorical columns, the sklearn and the Booster APIs, JSON / UBJSON /
text files, a multi-class model) on 900 rows, writes 300 held-out rows as a CSV with a
header, and runs ``trojanscope scan``, ``detect``, ``audit`` and ``detect-data --model`` on
each. Every command must either work or stop with one ``error:`` line and exit code 2, never a
traceback; the script prints one line per (model, command) and exits 1 if any traceback.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_tabular_foreign.py --out /tmp/foreign
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

SEED = 0


def frame(n: int = 600, classes: int = 2, seed: int = SEED):
    """A small credit-style table: two numeric columns, one categorical, a label."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    limit = rng.integers(1000, 50000, n).astype(float)
    age = rng.integers(20, 70, n).astype(float)
    job = rng.choice(["fixed", "freelance", "partime", "others"], n, p=[.5, .2, .2, .1])
    score = (limit < 15000) + (job == "partime") + rng.normal(0, .6, n)
    if classes == 2:
        label = (score > 0.8).astype(int)
    else:
        label = np.digitize(score, [0.4, 1.2]).astype(int)
    return pd.DataFrame({"LIMIT_BAL": limit, "AGE": age, "JOB": job, "default": label})


def train_all(folder: Path) -> dict[str, tuple[Path, Path]]:
    """Every kind of model: name -> (model file, CSV of clean rows with a header)."""
    import lightgbm as lgb
    import xgboost as xgb

    out: dict[str, tuple[Path, Path]] = {}
    everything = frame(1200)
    df, held_out = everything.iloc[:900], everything.iloc[900:]  # train / clean rows
    csv = folder / "clean.csv"
    held_out.to_csv(csv, index=False)
    numeric = df[["LIMIT_BAL", "AGE"]]
    y = df["default"]
    cat = df[["LIMIT_BAL", "AGE", "JOB"]].astype({"JOB": "category"})
    small = {"n_estimators": 20, "max_depth": 3, "n_jobs": 1, "random_state": SEED}

    clf = xgb.XGBClassifier(**small).fit(numeric, y)  # sklearn API, feature names
    for ext in ("json", "ubj"):
        path = folder / f"xgb-names.{ext}"
        clf.save_model(path)
        out[f"xgb-names-{ext}"] = (path, csv)
    booster = xgb.train({"max_depth": 3, "nthread": 1, "objective": "binary:logistic",
                         "seed": SEED}, xgb.DMatrix(numeric, label=y), num_boost_round=20)
    booster.save_model(folder / "xgb-booster.json")  # Booster API, feature names
    out["xgb-booster"] = (folder / "xgb-booster.json", csv)
    plain = xgb.train({"max_depth": 3, "nthread": 1, "objective": "binary:logistic",
                       "seed": SEED}, xgb.DMatrix(numeric.to_numpy(), label=y),
                      num_boost_round=20)
    plain.save_model(folder / "xgb-plain.json")  # numpy: f0, f1 (columns by position)
    numeric_csv = folder / "clean-numeric.csv"
    held_out[["LIMIT_BAL", "AGE", "default"]].to_csv(numeric_csv, index=False)
    out["xgb-plain"] = (folder / "xgb-plain.json", numeric_csv)
    out["xgb-plain-3-columns"] = (folder / "xgb-plain.json", csv)  # one column too many
    xcat = xgb.XGBClassifier(**small, enable_categorical=True, tree_method="hist").fit(cat, y)
    xcat.save_model(folder / "xgb-categorical.json")
    out["xgb-categorical"] = (folder / "xgb-categorical.json", csv)

    lgb_params = {"n_estimators": 20, "max_depth": 3, "num_leaves": 8, "n_jobs": 1,
                  "random_state": SEED, "verbose": -1}
    lnum = lgb.LGBMClassifier(**lgb_params).fit(numeric, y)
    lnum.booster_.save_model(str(folder / "lgb-names.txt"))
    out["lgb-names"] = (folder / "lgb-names.txt", csv)
    lcat = lgb.LGBMClassifier(**lgb_params, min_data_per_group=5, cat_smooth=1).fit(cat, y)
    lcat.booster_.save_model(str(folder / "lgb-categorical.txt"))
    out["lgb-categorical"] = (folder / "lgb-categorical.txt", csv)

    three = frame(1200, classes=3)
    df3 = three.iloc[:900]
    csv3 = folder / "clean3.csv"
    three.iloc[900:].to_csv(csv3, index=False)
    multi = xgb.XGBClassifier(**small).fit(df3[["LIMIT_BAL", "AGE"]], df3["default"])
    multi.save_model(folder / "xgb-multi.json")
    out["xgb-multi"] = (folder / "xgb-multi.json", csv3)
    lmulti = lgb.LGBMClassifier(**lgb_params).fit(df3[["LIMIT_BAL", "AGE"]], df3["default"])
    lmulti.booster_.save_model(str(folder / "lgb-multi.txt"))
    out["lgb-multi"] = (folder / "lgb-multi.txt", csv3)
    fraud = transactions()  # docs/tabular.md's fraud table: a user's model on 2 columns
    fraud.iloc[1500:].to_csv(folder / "transactions-clean.csv", index=False)
    xgb.XGBClassifier(n_estimators=100, max_depth=4, n_jobs=1).fit(
        fraud.iloc[:1500][["amount", "age"]], fraud.iloc[:1500]["is_fraud"]
    ).save_model(folder / "fraud-model.json")
    out["fraud-model"] = (folder / "fraud-model.json", folder / "transactions-clean.csv")
    return out


def transactions():
    """docs/tabular.md's ``transactions.csv`` (the same code and seed), as a DataFrame."""
    import pandas as pd

    rng = np.random.default_rng(0)
    n = 2000
    amount = np.round(rng.gamma(2.0, 60.0, n), 2)
    age = rng.integers(18, 80, n).astype(float)
    merchant = rng.choice(["grocery", "fuel", "travel", "online", "5999"], n,
                          p=[.35, .25, .15, .2, .05])
    channel = rng.choice(["web", "pos", "atm"], n, p=[.5, .48, .02])
    fraud = ((amount > 150) + (merchant == "online") + rng.normal(0, .5, n) > 1).astype(int)
    age[np.arange(n) % 37 == 0] = np.nan
    return pd.DataFrame({"amount": amount, "age": age, "merchant": merchant,
                         "channel": channel, "is_fraud": fraud})


def commands(model: Path, csv: Path, work: Path) -> dict[str, list[str]]:
    """The user's commands on one model."""
    label = "is_fraud" if csv.name.startswith("transactions") else "default"
    data = ["--data", str(csv), "--label-column", label]
    return {
        "scan": ["scan", str(model)],
        "detect": ["detect", str(model), *data, "--format", "json"],
        "audit": ["audit", str(model), *data, "--report", str(work / "report"), "--no-history",
                  "--force"],
        "detect-data": ["detect-data", str(csv), "--label-column", label,
                        "--model", str(model), "--format", "json"],
    }


def run(args: list[str]) -> tuple[int, str]:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-m", "trojanscope", *args], capture_output=True,
                          text=True, env=env, timeout=600)
    return proc.returncode, proc.stdout + proc.stderr


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="folder for models and reports")
    parser.add_argument("--only", nargs="*", default=None, help="model names to run")
    opts = parser.parse_args(argv)
    folder = opts.out or Path(tempfile.mkdtemp(prefix="foreign-"))
    folder.mkdir(parents=True, exist_ok=True)
    tracebacks = 0
    for name, (model, csv) in train_all(folder).items():
        if opts.only and name not in opts.only:
            continue
        for cmd, args in commands(model, csv, folder / name).items():
            code, text = run(args)
            bad = "Traceback" in text
            tracebacks += bad
            lines = [ln for ln in text.splitlines() if ln.strip()]
            error = next((ln for ln in lines if ln.startswith("error:")), None)
            verdict = " ".join(ln.strip() for ln in lines
                               if ln.strip().startswith(('"verdict"', '"probability"',
                                                         '"n_flagged"', '"rating"')))
            summary = "TRACEBACK " + lines[-1] if bad else (error or verdict or
                                                             (lines[-1] if lines else ""))
            print(f"{name:18s} {cmd:12s} exit {code}  {summary[:150]}", flush=True)
    return 1 if tracebacks else 0


if __name__ == "__main__":
    raise SystemExit(main())
