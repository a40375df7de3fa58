"""XGBoost and LightGBM models made by other code, read against a user's CSV.

A user's model was trained by their own script, usually on a pandas DataFrame: it takes raw
column values (``LIMIT_BAL = 20000``) in its own feature order, not trojanscope's encoding
(numbers scaled to [0, 1], categories one-hot). :class:`ForeignTrees` loads the file (the
library's own code-free format: XGBoost JSON / UBJSON, LightGBM text) and, once bound to the
schema of the clean table (:func:`bind_table`), answers on encoded rows: it decodes them to raw
values (a value on a split threshold exactly: :meth:`ForeignTrees._cuts`) and maps each of
the model's features **by name** to the table's column (a model trained on arrays, ``f0, f1,
…`` or ``Column_0, …``, takes the table's feature columns in order). Leaf boxes come back in
encoded units, so the tree detectors read it like a model trojanscope trained. LightGBM and
(stop 69) XGBoost categorical features get their category codes (:mod:`.lightgbm_categories`,
:mod:`.xgboost_categories`); their splits are sets, not thresholds, so leaf boxes leave them
out (``categorical_splits``). Only classifiers
whose output is class probabilities load. What cannot be mapped stops with one error naming it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from torch import nn

from trojanscope.data.tabular.schema import TabularSchema
from trojanscope.errors import UserInputError
from trojanscope.io.model_kind import trained_on_arrays
from trojanscope.models.lightgbm_categories import lightgbm_categories
from trojanscope.models.trees import (
    Box,
    Leaf,
    LeafRecord,
    LightGBMModel,
    TreeModel,
    XGBoostModel,
    require,
)
from trojanscope.models.xgboost_categories import unseen_words, xgboost_categories


def load_foreign(path: Path, library: str) -> ForeignTrees:
    """The model file at ``path`` (``library``: "XGBoost" or "LightGBM"), not yet bound."""
    cls = XGBoostModel if library == "XGBoost" else LightGBMModel
    require(cls.library, cls.arch_name())
    inner = cls.load_native(path, 2)
    if library == "XGBoost":
        learner = json.loads(inner.booster.save_config())["learner"]
        _check_objective(path, library, learner.get("objective", {}).get("name", "?"))
        param = learner["learner_model_param"]
        names = list(inner.booster.feature_names or [])
        num_class = int(param.get("num_class", "0"))
    else:
        dump = inner.booster.dump_model(num_iteration=1)
        _check_objective(path, library, str(dump.get("objective", "?")).split(" ")[0])
        names = list(inner.booster.feature_name())
        num_class = int(dump.get("num_class", 1))
    inner.num_classes = max(2, num_class)
    return ForeignTrees(inner, names or [f"f{i}" for i in range(inner.input_shape[0])],
                        str(path))


OBJECTIVES = {"XGBoost": ("binary:logistic", "multi:softprob"),
              "LightGBM": ("binary", "multiclass")}


def _check_objective(path: Path, library: str, objective: str) -> None:
    """Only classifiers whose output is class probabilities load (a regressor's or a raw
    margin's output read as probabilities would be nonsense)."""
    if objective not in OBJECTIVES[library]:
        raise UserInputError(
            f"{path}: the {library} model's objective is {objective!r}; only classifiers "
            f"giving class probabilities load ({' or '.join(OBJECTIVES[library])})"
        )


class ForeignTrees(TreeModel):
    """A user's tree model behind trojanscope's tabular encoding (see the module doc)."""

    def __init__(self, inner: TreeModel, names: list[str], source: str) -> None:
        nn.Module.__init__(self)  # not TreeModel's: the inner model holds the parameters
        self.inner, self.names, self.source = inner, names, source
        self.num_classes, self.input_shape = inner.num_classes, inner.input_shape
        self.n_estimators, self.max_depth = inner.n_estimators, inner.max_depth
        self.learning_rate, self.booster = inner.learning_rate, inner.booster
        self.parallel = inner.parallel  # trees per class per round (random forests)
        self.schema: TabularSchema | None = None
        self.columns: list[int] = []  # per model feature: index into schema.columns
        self.codes: dict[int, dict[Any, int]] = {}  # per pandas-category model feature
        self.category_codes: dict[int, np.ndarray] = {}  # see bind
        self.cuts: dict[int, np.ndarray] = {}  # see _cuts

    @property
    def library(self) -> str:  # type: ignore[override]
        return self.inner.library

    def arch_name(self) -> str:  # type: ignore[override]
        return self.inner.arch_name()

    def bind(self, schema: TabularSchema) -> None:
        """Map the model's features to ``schema``'s columns; the model then takes its rows."""
        by_name = {c.name: i for i, c in enumerate(schema.columns)}
        n = len(self.names)
        if not self.names or trained_on_arrays(self.names):
            # trained on arrays (XGBoost f0…, LightGBM Column_0…): columns in order
            if n != len(schema.columns):
                raise UserInputError(
                    f"{self.source}: the model takes {n} unnamed features, the "
                    f"data have {len(schema.columns)} feature columns; save the model from a "
                    "DataFrame (feature names) or give exactly its columns in order"
                )
            columns = list(range(n))
        else:
            absent = [n for n in self.names if n not in by_name]
            if absent:
                raise UserInputError(
                    f"{self.source}: the model's feature(s) {', '.join(map(repr, absent[:5]))} "
                    f"are not columns of the data ({', '.join(by_name)})"
                )
            columns = [by_name[n] for n in self.names]
        kinds = [schema.columns[c] for c in columns]
        read = lightgbm_categories if self.inner.library == "lightgbm" else xgboost_categories
        categorical, lists = read(self.booster, kinds, self.source)
        self.codes = {}
        for j, col in enumerate(kinds):
            if col.kind == "categorical" and j not in lists:
                how = "integer category codes" if j in categorical else "a number"
                raise UserInputError(
                    f"{self.source}: column {col.name!r} holds categories in the data but the "
                    f"model takes it as {how}"
                )
            if j in lists:  # keyed as decode reads the column: category text or its number
                self.codes[j] = {(v if col.kind == "categorical" else float(v)): k
                                 for k, v in enumerate(lists[j])}
        # per text column: the model's code of each of the table's categories, in the
        # encoding's order (decode looks rows up in it instead of row by row); a category
        # the model never saw is missing (XGBoost's are refused: .xgboost_categories)
        self.category_codes = {
            j: np.array([self.codes[j].get(cat, np.nan) for cat in kinds[j].categories])
            for j in self.codes if kinds[j].kind == "categorical"}
        self.schema, self.columns = schema, columns
        self.cuts = self._cuts()
        self.input_shape = (schema.num_features,)

    def _cuts(self) -> dict[int, np.ndarray]:
        """XGBoost only, per numeric feature: its split thresholds, sorted. XGBoost's cuts
        sit on data values (a row goes left when x < cut), and an encoded float32 value does
        not round-trip to its raw value, so a row on a cut, decoded a hair below it, would
        take the other branch (:meth:`decode` puts it back on the cut). LightGBM's thresholds
        are midpoints between data values: nothing sits on them, and nothing is snapped."""
        if self.inner.library != "xgboost":
            return {}
        out = {}
        for j, cuts in self.inner.split_points().items():
            if j in self.codes or j >= len(self.columns):
                continue
            out[j] = np.unique(np.asarray(cuts, dtype=np.float64))
        return out

    @property
    def unread_columns(self) -> set[str]:
        """The table's columns the model has no feature for (no trigger can lie there)."""
        read = set(self.columns)
        return {c.name for i, c in enumerate(self._schema().columns) if i not in read}

    # -- rows ---------------------------------------------------------------------------------
    def decode(self, x: np.ndarray) -> np.ndarray:
        """Encoded rows (N, schema features) as the model's raw features (N, its features)."""
        schema = self._schema()
        out = np.empty((len(x), len(self.columns)), dtype=np.float64)
        for j, c in enumerate(self.columns):
            col, start = schema.columns[c], schema.offsets[c]
            if col.kind == "categorical":
                which = np.asarray(x[:, start:start + col.width]).argmax(1)
                out[:, j] = self.category_codes[j][which]
                continue
            encoded = np.asarray(x[:, start], dtype=np.float32)
            raw = col.unscale(encoded)
            if j in self.cuts:  # just below a cut by no more than this row's rounding: on it
                cuts = self.cuts[j]
                above = np.minimum(np.searchsorted(cuts, raw, side="right"), len(cuts) - 1)
                rounding = (col.hi - col.lo) * np.spacing(np.abs(encoded)).astype(np.float64)
                hit = (raw < cuts[above]) & (cuts[above] - raw <= rounding)
                raw[hit] = cuts[above[hit]]
            if j in self.codes:  # a pandas category of numbers: its code
                values, where = np.unique(raw, return_inverse=True)
                raw = np.array([self.codes[j].get(float(v), np.nan) for v in values])[where]
            out[:, j] = raw
            if col.has_missing:
                out[np.asarray(x[:, start + 1]) > 0.5, j] = np.nan
        return out

    def _schema(self) -> TabularSchema:
        if self.schema is None:
            raise UserInputError(
                f"{self.source}: this {self.inner.library} model (made by other code) needs "
                "clean data with a header row (--data clean.csv) to map its features"
            )
        return self.schema

    def _raw_proba(self, x: np.ndarray) -> np.ndarray:
        return self.inner._raw_proba(self.decode(x))

    # -- leaves in encoded units -------------------------------------------------------------
    def leaves(self) -> list[Leaf]:
        """The leaves rows within the clean table's range can reach (a leaf past a column's
        clean maximum or below its minimum is left out: no encoded row reaches it)."""
        below = self.inner.library == "xgboost"
        out = [Leaf(leaf.cls, leaf.strength, self._box(leaf.box))
               for leaf in self.inner.leaves()]
        return [leaf for leaf in out if _reachable(leaf.box, below)]

    def leaf_records(self, x: np.ndarray, trees: int) -> list[LeafRecord]:
        return [LeafRecord(r.tree, r.cls, r.strength, r.train, r.clean, self._box(r.box),
                           r.below)
                for r in self.inner.leaf_records(self.decode(x), trees)]

    @property
    def categorical_splits(self) -> set[int]:
        """The model's features split on as categories (left out of leaf boxes)."""
        return self.inner.categorical_splits

    def _box(self, box: Box) -> Box:
        """A box over the model's raw features as one over the encoded features."""
        schema = self._schema()
        out: Box = {}
        for j, (lo, hi) in box.items():
            if j in self.codes or j >= len(self.columns):
                continue
            col = schema.columns[self.columns[j]]
            out[schema.offsets[self.columns[j]]] = (  # not clipped: see leaves()
                None if lo is None else col.scale(lo, clip=False),
                None if hi is None else col.scale(hi, clip=False))
        return out


def _reachable(box: Box, below: bool) -> bool:
    """Whether encoded values in [0, 1] can fall in ``box`` (XGBoost: [lo, hi); LightGBM:
    (lo, hi])."""
    for lo, hi in box.values():
        lo_in = lo is None or (lo <= 1.0 if below else lo < 1.0)
        hi_in = hi is None or (hi > 0.0 if below else hi >= 0.0)
        if not (lo_in and hi_in):
            return False
    return True


def bind_table(module: Any, data: Any) -> None:
    """Bind a user's tree model (:class:`ForeignTrees`) to the clean table it is read with;
    anything else is left as it is."""
    if not isinstance(module, ForeignTrees) or data is None:
        return
    from trojanscope.data.tabular.table import schema_of

    schema = schema_of(data)
    if schema is None:
        raise UserInputError(
            f"{module.source}: a tree model needs tabular data (a CSV or Parquet file with a "
            "header row), not images or tensors"
        )
    module.bind(schema)
    _refuse_unseen_numbers(module, data)


def _refuse_unseen_numbers(module: ForeignTrees, data: Any) -> None:
    """An XGBoost model's number-like category column (stored numbers) whose table holds a
    value the model never saw: refused, as a text category is (:mod:`.xgboost_categories`).
    Stop 69 (hrev): read as missing it gave answers up to 0.23 away from xgboost's own, which
    reads such a value as its sorted neighbour (``benchmarks/read_through_s69_xgb.py``)."""
    schema = module._schema()
    numbers = [j for j in module.codes
               if schema.columns[module.columns[j]].kind != "categorical"]
    if module.inner.library != "xgboost" or not numbers or not len(data):
        return
    import torch

    rows, _ = data.get_batch(torch.arange(len(data)))
    x = np.asarray(rows, dtype=np.float32)
    decoded = module.decode(x)
    for j in numbers:
        col, start = schema.columns[module.columns[j]], schema.offsets[module.columns[j]]
        unread = np.isnan(decoded[:, j])
        if col.has_missing:
            unread &= x[:, start + 1] <= 0.5
        if unread.any():
            values = np.unique(col.unscale(x[unread, start])).round(6).tolist()
            raise UserInputError(unseen_words(module.source, col.name, values,
                                              sorted(module.codes[j])))
