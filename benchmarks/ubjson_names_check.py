"""Do the feature names read early from an XGBoost file (``io.model_kind.tree_feature_names``:
UBJSON by ``io/ubjson.py``, JSON by the standard library, no xgboost import) agree with what
xgboost itself reads back (``Booster(model_file=...).feature_names``)? (issue 15, stop 67: hcmd)

Writes the XGBoost models of :func:`cases` (each kind of model and name the installed xgboost
writes, each as ``.ubj`` and ``.json``) into WORK, then reads them, and every extra file listed
in ``--also LIST`` (one path a line), both ways. One line per file (``OK``/``BAD``, xgboost's
names, the early read's, its time), then a count. The early read answers what the loader
binds to: None where xgboost reads no names or the names it makes up for arrays (``f0, f1,
…``), else the same names in order.

    python benchmarks/ubjson_names_check.py WORK [--also LIST]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

SEED = 0  # a fixed draw of synthetic rows: no population is read here


def cases() -> dict[str, Callable[[], object]]:
    """Each model to write: a name and a function returning a trained booster or model."""
    import pandas as pd
    import xgboost

    rng = np.random.default_rng(SEED)
    x = rng.random((80, 4))
    y = (x[:, 0] > 0.5).astype(int)
    frame = pd.DataFrame(x, columns=["amount", "Débt", "a b", "x_1"])
    many = pd.DataFrame(rng.random((80, 300)), columns=[f"col{i}" for i in range(300)])

    def classifier(data, target=y, **kw):
        params = {"n_estimators": 5, "max_depth": 3, "random_state": SEED, **kw}
        return lambda: xgboost.XGBClassifier(**params).fit(data, target)

    def renamed():
        booster = xgboost.train({"max_depth": 2}, xgboost.DMatrix(x, y), 3)
        booster.feature_names = ["p", "q", "r", "s"]
        booster.set_attr(note="set after training")
        return booster

    categories = frame.assign(kind=pd.Categorical(rng.choice(["a", "b", "c"], 80)))
    return {
        "named frame": classifier(frame),
        "arrays": classifier(x),
        "300 named columns": classifier(many),
        "multi-class": classifier(frame, target=(x[:, 1] * 3).astype(int)),
        "regressor": lambda: xgboost.XGBRegressor(n_estimators=5).fit(frame, x[:, 2]),
        "gblinear": classifier(frame, booster="gblinear"),
        "dart": classifier(frame, booster="dart"),
        "categorical": classifier(categories, enable_categorical=True, tree_method="hist"),
        "f-names given": lambda: xgboost.train(
            {"max_depth": 2}, xgboost.DMatrix(x, y, feature_names=["f0", "f1", "f2", "f3"]), 2),
        "types given": lambda: xgboost.train({"max_depth": 2}, xgboost.DMatrix(
            x, y, feature_names=["u", "v", "w", "z"], feature_types=["q", "q", "int", "q"]), 2),
        "renamed after training": renamed,
        "one feature": classifier(frame[["amount"]]),
        "200 deep trees": classifier(frame, n_estimators=200, max_depth=8),
    }


def write(work: Path) -> list[Path]:
    """Every case as ``.ubj`` and ``.json``, and one as ``save_raw("ubj")`` bytes."""
    import xgboost

    work.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, (name, make) in enumerate(cases().items()):
        model = make()
        booster = model if isinstance(model, xgboost.Booster) else model.get_booster()
        for suffix in ("ubj", "json"):
            path = work / f"{number:02}-{name.replace(' ', '-')}.{suffix}"
            booster.save_model(str(path))
            paths.append(path)
        if name == "named frame":
            path = work / f"{number:02}-raw.ubj"
            path.write_bytes(bytes(booster.save_raw("ubj")))
            paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("work", type=Path)
    parser.add_argument("--also", type=Path)
    args = parser.parse_args()
    import xgboost

    from trojanscope.io.model_kind import trained_on_arrays, tree_feature_names

    paths = write(args.work)
    if args.also is not None:
        paths += [Path(p.strip()) for p in args.also.read_text().splitlines() if p.strip()]
    bad = 0
    for path in paths:
        read = xgboost.Booster(model_file=str(path)).feature_names
        expected = None if not read or trained_on_arrays(list(read)) else tuple(read)
        start = time.perf_counter()
        got = tree_feature_names(path, "xgboost")
        took = time.perf_counter() - start
        bad += got != expected
        shown = "None" if read is None else f"{len(read)} names {list(read)[:4]}"
        print(f"{'OK ' if got == expected else 'BAD'} xgboost {shown} early "
              f"{'None' if got is None else len(got)} {1000 * took:.1f} ms "
              f"{path.stat().st_size:,} B {path}")
    print(f"{len(paths) - bad} of {len(paths)} agree (xgboost {xgboost.__version__})")


if __name__ == "__main__":
    main()
