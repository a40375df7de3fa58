"""First contact at stop 65: a user's files drawn with the fresh seed **73** (stop 64's makers:
a 200-image ``.npz``, a CSV table with an XGBoost file, a review CSV, a DistilBERT folder made by
plain transformers code), one kind of model not tried before, and this stop's bad inputs, run
through ``scan``, ``bom``, ``detect`` and ``audit`` as the docs show them.

- stop 64's files (``first_contact_s64.make``, with seed 73);
- **a LightGBM text model made by plain lightgbm code** (:func:`lightgbm_files`): ``lgb/``
  holds ``fraud-lgbm.txt`` (``LGBMClassifier`` fitted on the seed-73 ``transactions.csv`` as a
  pandas DataFrame, its text columns as pandas categories, written by ``booster_.save_model``)
  and ``clean.csv`` (the same 300 rows, every column);
- this stop's bad inputs (:func:`bad_files`): ``csv.npz`` (the table under an ``.npz`` name),
  ``lfs.npz`` (a Git LFS pointer), ``page.npz`` (an HTML page, a failed download), and
  ``cal-keep-ts.json`` (the shipped calibration with a named-check whose ``keep_ratio`` sits on
  ``trigger_search``, which records no MM-BD lead).

    python benchmarks/first_contact_s65.py WORK --make --model-run RUN
    python benchmarks/first_contact_s65.py WORK --lines LINES --timeout 900 --keep DIR
"""

from __future__ import annotations

import json
from pathlib import Path

from first_contact_s52 import main
from first_contact_s64 import make as make_s64

SEED = 73
LFS = ("version https://git-lfs.github.com/spec/v1\n"
       "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
       "size 1254\n")


def lightgbm_files(work: Path, seed: int = SEED) -> None:
    """``lgb/fraud-lgbm.txt`` and ``lgb/clean.csv`` (the module docstring)."""
    import lightgbm
    import pandas as pd

    table = pd.read_csv(work / "transactions.csv")
    folder = work / "lgb"
    folder.mkdir(exist_ok=True)
    table.to_csv(folder / "clean.csv", index=False)
    features = table.drop(columns=["is_fraud"])
    for column in features.select_dtypes("object"):
        features[column] = features[column].astype("category")
    model = lightgbm.LGBMClassifier(n_estimators=30, num_leaves=8, random_state=seed,
                                    verbose=-1)
    model.fit(features, table["is_fraud"])
    model.booster_.save_model(str(folder / "fraud-lgbm.txt"))


def bad_files(work: Path) -> None:
    """This stop's bad inputs (the module docstring)."""
    from trojanscope.detect.calibration import SHIPPED

    (work / "csv.npz").write_bytes((work / "transactions.csv").read_bytes())
    (work / "lfs.npz").write_text(LFS, encoding="utf-8")
    (work / "page.npz").write_text("<!DOCTYPE html>\n<html><head><title>404 Not Found</title>"
                                   "</head><body>Not Found</body></html>\n", encoding="utf-8")
    shipped = Path(__file__).resolve().parents[1] / "src/trojanscope/detect" / SHIPPED
    cal = json.loads(shipped.read_text(encoding="utf-8"))
    cal["trigger_search:named-check"] = {
        "method": "trigger_search:named-check", "features": [], "coef": [], "intercept": 0.0,
        "fitted_on": {"guard": 1.6, "centre": -3.0, "read": "model", "keep_ratio": 6.0}}
    (work / "cal-keep-ts.json").write_text(json.dumps(cal, indent=1), encoding="utf-8")


def make(work: Path, model_run: Path, seed: int = SEED) -> None:
    """Stop 64's files with ``seed``, the LightGBM model, then this stop's bad inputs."""
    make_s64(work, model_run, seed)
    lightgbm_files(work, seed)
    bad_files(work)


if __name__ == "__main__":
    main(make, __doc__)
