"""The table files of the read-through (stop 66 hrev): a 300-row fraud table saved in the forms a
user writes (columns reordered, extra, one missing, blank first lines, a BOM, a pandas index,
spaces), XGBoost and LightGBM models made by plain library code with and without feature names.
Run in an empty folder: python make_files.py"""

from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd
import xgboost as xgb

rng = np.random.default_rng(1)
n = 300
df = pd.DataFrame({"amount": rng.gamma(2, 50, n).round(2), "age": rng.integers(18, 80, n),
                   "debt": rng.normal(0, 1, n).round(3), "hour": rng.integers(0, 24, n)})
df["is_fraud"] = ((df.amount > 120) ^ (rng.random(n) < 0.1)).astype(int)
X, y = df.drop(columns="is_fraud"), df.is_fraud
xgb.XGBClassifier(n_estimators=5, max_depth=3).fit(X, y).save_model("xgb-named.json")
xgb.XGBClassifier(n_estimators=5, max_depth=3).fit(X.values, y.values).save_model(
    "xgb-arrays.json")
lgb.LGBMClassifier(n_estimators=5, verbose=-1).fit(X, y).booster_.save_model("lgb-named.txt")
lgb.LGBMClassifier(n_estimators=5, verbose=-1).fit(X.values, y.values).booster_.save_model(
    "lgb-arrays.txt")
df.to_csv("clean.csv", index=False)
df[["hour", "is_fraud", "debt", "age", "amount"]].to_csv("reordered.csv", index=False)
df.assign(extra=1.0, note="x").to_csv("extra.csv", index=False)
df.drop(columns="debt").to_csv("no-debt.csv", index=False)
clean = Path("clean.csv").read_text()
Path("blank-first.csv").write_text("\n" + clean)
Path("bom.csv").write_text(clean, encoding="utf-8-sig")
df.to_csv("indexed.csv")  # pandas' default: an unnamed index column first
Path("spaced.csv").write_text(clean.replace("amount,age", " amount , age", 1))
