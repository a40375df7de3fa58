"""First contact at stop 66: a user's files drawn with the fresh seed **74** (stop 65's makers:
a 200-image ``.npz``, a CSV table with an XGBoost file, a review CSV, a DistilBERT folder made by
plain transformers code, a LightGBM file made by plain lightgbm code), two kinds of model not
tried before, and this stop's bad inputs, run through ``scan``, ``bom``, ``detect`` and
``audit`` as the docs show them.

- stop 65's files (``first_contact_s65.make``, with seed 74);
- **a scikit-learn pipeline exported to ONNX by skl2onnx** (:func:`sklearn_onnx_files`;
  skl2onnx is no trojanscope dependency: the maker runs with it on ``PYTHONPATH``, installed by
  ``pip install --no-deps --target DIR skl2onnx``): ``skl/`` holds ``fraud-gb.onnx``
  (``make_pipeline(SimpleImputer(), GradientBoostingClassifier())`` fitted on the seed-74
  table's numeric columns, ``to_onnx(model, X[:1])`` as skl2onnx's documentation shows) and
  ``clean.csv`` (those columns and ``is_fraud``). skl2onnx 1.20.0 could not convert a
  ``HistGradientBoostingClassifier`` of scikit-learn 1.9.1 (``TypeError: Field
  onnx.AttributeProto.ints: Expected an int, got a boolean``), so the pipeline stands in;
- **an XGBoost model saved as UBJSON** (``xgb-ubj/fraud.ubj``, ``XGBClassifier`` on the same
  numeric columns as a DataFrame, ``save_model("fraud.ubj")``), with ``xgb-ubj/clean.csv``;
- this stop's bad inputs (:func:`bad_files`): ``uint8.npz`` (``clean.npz``'s images as 0-255
  bytes), ``excel.csv`` (``lgb/clean.csv`` as Excel writes it: a UTF-8 BOM, CRLF line ends; a
  file a reader takes), ``semicolon.csv`` (the table separated by ``;``), ``images.zip`` (ten
  of the images as PNG files in a zip archive), ``tab/no-debt.csv`` (the XGBoost file's table
  without its ``Debt`` column).

    PYTHONPATH=SKL2ONNX:src:benchmarks python benchmarks/first_contact_s66.py WORK --make \
        --model-run RUN
    python benchmarks/first_contact_s66.py WORK --lines LINES --timeout 900 --keep DIR
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from first_contact_s52 import main
from first_contact_s65 import make as make_s65

SEED = 74


def sklearn_onnx_files(work: Path, seed: int = SEED) -> None:
    """``skl/fraud-gb.onnx`` and ``skl/clean.csv`` (the module docstring)."""
    import numpy as np
    import pandas as pd
    from skl2onnx import to_onnx
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline

    table = pd.read_csv(work / "transactions.csv")
    numeric = table.select_dtypes("number")
    folder = work / "skl"
    folder.mkdir(exist_ok=True)
    numeric.to_csv(folder / "clean.csv", index=False)
    features = numeric.drop(columns=["is_fraud"])
    model = make_pipeline(SimpleImputer(), GradientBoostingClassifier(n_estimators=30,
                                                                      random_state=seed))
    model.fit(features, numeric["is_fraud"])
    onx = to_onnx(model, features.to_numpy(np.float32)[:1])
    (folder / "fraud-gb.onnx").write_bytes(onx.SerializeToString())


def xgboost_ubjson_files(work: Path, seed: int = SEED) -> None:
    """``xgb-ubj/fraud.ubj`` and ``xgb-ubj/clean.csv`` (the module docstring)."""
    import pandas as pd
    import xgboost

    numeric = pd.read_csv(work / "transactions.csv").select_dtypes("number")
    folder = work / "xgb-ubj"
    folder.mkdir(exist_ok=True)
    numeric.to_csv(folder / "clean.csv", index=False)
    model = xgboost.XGBClassifier(n_estimators=20, max_depth=3, random_state=seed)
    model.fit(numeric.drop(columns=["is_fraud"]), numeric["is_fraud"])
    model.save_model(folder / "fraud.ubj")


def bad_files(work: Path) -> None:
    """This stop's bad inputs (the module docstring), from the files already made."""
    import io

    import numpy as np
    import pandas as pd
    from PIL import Image

    data = np.load(work / "clean.npz")
    images = (data["x"] * 255).round().astype(np.uint8)
    np.savez(work / "uint8.npz", x=images, y=data["y"])
    text = (work / "lgb" / "clean.csv").read_text(encoding="utf-8")
    (work / "excel.csv").write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    table = pd.read_csv(work / "transactions.csv")
    table.to_csv(work / "semicolon.csv", sep=";", index=False)
    with zipfile.ZipFile(work / "images.zip", "w") as zf:
        for i in range(10):
            buffer = io.BytesIO()
            Image.fromarray(images[i, 0]).save(buffer, format="PNG")
            zf.writestr(f"images/{int(data['y'][i])}/{i}.png", buffer.getvalue())
    pd.read_csv(work / "tab" / "clean.csv").drop(columns=["Debt"]).to_csv(
        work / "tab" / "no-debt.csv", index=False)


def make(work: Path, model_run: Path, seed: int = SEED) -> None:
    """Stop 65's files with ``seed``, the two new models, then this stop's bad inputs."""
    make_s65(work, model_run, seed)
    sklearn_onnx_files(work, seed)
    xgboost_ubjson_files(work, seed)
    bad_files(work)


if __name__ == "__main__":
    main(make, __doc__)
