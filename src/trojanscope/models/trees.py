"""Gradient-boosted trees (XGBoost, LightGBM) behind the ``nn.Module`` interface of every model.

A :class:`TreeModel` trains itself (``fit_arrays``: the boosting library's own loop; the engine's
gradient loop does not apply), predicts class probabilities (``predict_proba``), and, for code
that calls a model, its ``forward`` returns log-probabilities as logits (no gradients flow).
It is saved in the library's native, code-free format — XGBoost JSON, LightGBM text — never as a
pickle. The libraries are optional (``pip install 'trojanscope[tabular]'``) and imported only
when a tree model is built or loaded. Every model uses one thread (``nthread``/``num_threads``
1): more were 2.5–24× slower on a loaded 2-core machine. With ``subsample``/``colsample`` at
1.0 (the default) training is deterministic, whatever the seed; below 1.0 each tree takes a
sample of the rows/columns drawn with the seed.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar

import numpy as np
import torch
from torch import Tensor, nn

from trojanscope.errors import UserInputError
from trojanscope.registry import register

EXTRA_HINT = "pip install 'trojanscope[tabular]'"
MIN_PROB = 1e-7


def require(module: str, arch: str) -> ModuleType:
    """Import an optional library, or fail with one line naming the extra to install."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise UserInputError(
            f"architecture {arch!r} needs the {module} package: {EXTRA_HINT}"
        ) from None


class TreeModel(nn.Module):
    """A boosted-tree ensemble as a model: ``predict_proba`` on (N, F) arrays; ``forward`` gives
    log-probabilities. Subclasses wrap one library."""

    trains_itself = True
    file_name: ClassVar[str] = ""
    library: ClassVar[str] = ""

    def __init__(
        self,
        input_shape: tuple[int, ...] = (8,),
        num_classes: int = 2,
        n_estimators: int = 200,
        max_depth: int = 6,
        learning_rate: float = 0.1,
        subsample: float = 1.0,
        colsample: float = 1.0,
    ) -> None:
        super().__init__()
        if len(tuple(input_shape)) != 1:
            raise UserInputError(
                f"tree models take tabular rows (N, F), not inputs of shape {tuple(input_shape)}"
            )
        self.input_shape = (int(next(iter(input_shape))),)
        self.num_classes = int(num_classes)
        self.n_estimators, self.max_depth = int(n_estimators), int(max_depth)
        self.learning_rate = float(learning_rate)
        # shares of the rows and of the columns each tree is grown on, drawn with the
        # training seed (1.0: all of them, the libraries' defaults — training then does not
        # depend on the seed, so two seeds give the same model)
        self.subsample, self.colsample = _fraction("subsample", subsample), _fraction(
            "colsample", colsample)
        self.booster: Any = None
        # features split on as categories (a set of codes, not a threshold): no box limits
        # them, so leaf boxes and split points leave them out
        self.categorical_splits: set[int] = set()
        self.parallel = 1  # trees per class per round (XGBoost random forests: more)
        require(self.library, self.arch_name())

    @classmethod
    def sample_params(cls, rng: np.random.Generator) -> dict[str, Any]:
        """A random variant for model zoos: ensemble size, depth and learning rate."""
        return {"n_estimators": int(rng.choice([100, 200, 300])),
                "max_depth": int(rng.integers(3, 8)),
                "learning_rate": float(rng.choice([0.05, 0.1, 0.2]))}

    @classmethod
    def arch_name(cls) -> str:
        return cls.file_name.split(".")[1]

    # -- what subclasses provide ------------------------------------------------------------
    def fit_arrays(self, x: np.ndarray, y: np.ndarray, seed: int) -> None:
        """Train on encoded rows ``x`` (N, F) and labels ``y``."""
        raise NotImplementedError

    def _raw_proba(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def save_native(self, folder: Path) -> str:
        """Write the model file into ``folder``; return its name."""
        raise NotImplementedError

    def _load(self, path: Path) -> None:
        raise NotImplementedError

    def split_points(self) -> dict[int, list[float]]:
        """Every split threshold of the ensemble, per feature index (for tree detectors)."""
        return {f: [b for box in (lo, hi) for b in box if b is not None]
                for f, (lo, hi) in _bounds(self.leaves()).items()}

    def leaves(self) -> list[Leaf]:
        """Every leaf: the class its value votes for, the value, and its box (per feature,
        the open interval ``(lo, hi)`` of values that reach it; None: unbounded)."""
        raise NotImplementedError

    def leaf_shares(self, x: np.ndarray, trees: int) -> list[tuple[int, float, float]]:
        """Per leaf of the first ``trees`` trees: (class its value votes for, share of the
        training rows that reached it, share of the rows of ``x`` that reach it)."""
        return [(r.cls, r.train, r.clean) for r in self.leaf_records(x, trees)]

    def leaf_records(self, x: np.ndarray, trees: int) -> list[LeafRecord]:
        """Every leaf of the first ``trees`` trees with its box, value and the shares of the
        training rows and of ``x``'s rows that reach it. Read from the library's own dump
        (training counts: LightGBM ``leaf_count``; XGBoost ``cover``, a hessian mass, matched
        by weighting ``x``'s rows with their hessians)."""
        raise NotImplementedError

    def _group(self, tree: int, value: float) -> tuple[int, float]:
        """(class a leaf votes for, strength) from its tree index and raw value."""
        if self.num_classes > 2:
            return (tree // self.parallel) % self.num_classes, value
        return (1, value) if value > 0 else (0, -value)

    # -- shared -------------------------------------------------------------------------------
    def predict_proba(self, x: np.ndarray | Tensor) -> np.ndarray:
        """Class probabilities (N, K) of encoded rows ``x`` (N, F)."""
        if self.booster is None:
            raise UserInputError(f"{self.arch_name()} model has not been trained")
        arr = x.detach().cpu().numpy() if isinstance(x, Tensor) else np.asarray(x)
        arr = arr.reshape(len(arr), -1).astype(np.float32, copy=False)
        if arr.shape[1] != self.input_shape[0]:
            raise UserInputError(
                f"the {self.arch_name()} model takes {self.input_shape[0]} features, "
                f"the data have {arr.shape[1]}"
            )
        proba = np.asarray(self._raw_proba(arr), dtype=np.float64)
        if proba.ndim == 1:
            proba = np.stack([1.0 - proba, proba], axis=1)
        return proba

    def forward(self, x: Tensor) -> Tensor:
        proba = torch.from_numpy(self.predict_proba(x)).to(torch.float32)
        return torch.log(proba.clamp_min(MIN_PROB))

    @classmethod
    def load_native(cls, path: Path, num_classes: int, **args: Any) -> TreeModel:
        """The model saved at ``path`` (its native format)."""
        model = cls(num_classes=num_classes, **args)
        try:
            model._load(path)
        except UserInputError:
            raise
        except Exception as exc:  # the libraries raise their own error types
            raise UserInputError(
                f"{path}: not a readable {cls.arch_name()} model ({str(exc).splitlines()[0]})"
            ) from None
        return model.eval()


@register("arch", "xgboost")
class XGBoostModel(TreeModel):
    """XGBoost gradient-boosted trees (histogram method, one thread); saved as XGBoost JSON."""

    file_name = "model.xgboost.json"
    library = "xgboost"

    def _params(self, seed: int) -> dict[str, Any]:
        multi = self.num_classes > 2
        return {
            "objective": "multi:softprob" if multi else "binary:logistic",
            **({"num_class": self.num_classes} if multi else {}),
            "max_depth": self.max_depth, "eta": self.learning_rate, "tree_method": "hist",
            "nthread": 1, "seed": seed, "verbosity": 0,
            **({"subsample": self.subsample} if self.subsample < 1 else {}),
            **({"colsample_bytree": self.colsample} if self.colsample < 1 else {}),
        }

    def fit_arrays(self, x: np.ndarray, y: np.ndarray, seed: int) -> None:
        xgb = require("xgboost", "xgboost")
        data = xgb.DMatrix(x, label=y, nthread=1)
        self.booster = xgb.train(self._params(seed), data, num_boost_round=self.n_estimators)

    def _matrix(self, x: np.ndarray) -> Any:
        """``x`` as a DMatrix under the model's own feature names (a model trained on a
        DataFrame refuses unnamed data) and, where it has categorical features, their types:
        those columns then hold category codes (:mod:`.xgboost_categories`)."""
        xgb = require("xgboost", "xgboost")
        types = self.booster.feature_types
        categorical = bool(types) and "c" in types
        return xgb.DMatrix(np.asarray(x, dtype=np.float32), nthread=1,
                           feature_names=self.booster.feature_names,
                           feature_types=types if categorical else None,
                           enable_categorical=categorical)

    def _raw_proba(self, x: np.ndarray) -> np.ndarray:
        return self.booster.predict(self._matrix(x))

    def save_native(self, folder: Path) -> str:
        self.booster.save_model(str(Path(folder) / self.file_name))
        return self.file_name

    def _load(self, path: Path) -> None:
        xgb = require("xgboost", "xgboost")
        booster = xgb.Booster(params={"nthread": 1})
        from trojanscope.scan.xgboost_doc import xgboost_document_problem

        data = Path(path).read_bytes()
        problem = xgboost_document_problem(data)
        if problem:  # XGBoost's recursive reader overflows the stack on such files: checked first
            raise UserInputError(f"{path}: not a valid XGBoost model ({problem})")
        # from bytes: JSON or UBJSON told apart by content, whatever the file is called
        booster.load_model(bytearray(data))
        gradient = json.loads(booster.save_config())["learner"]["gradient_booster"]
        if gradient.get("name") == "gblinear":
            raise UserInputError(f"{path}: an XGBoost linear model (booster gblinear) is not "
                                 "supported: only tree boosters (gbtree, dart)")
        param = gradient.get("gbtree_model_param") or gradient["gbtree"]["gbtree_model_param"]
        self.parallel = max(1, int(param.get("num_parallel_tree", "1")))
        self.input_shape = (int(booster.num_features()),)
        self.booster = booster

    def _leaf_nodes(self) -> Iterator[tuple[int, dict[str, Any], dict[str, Any], Box]]:
        """(tree index, tree root, leaf node, box) of every leaf, trees in order: the one
        walk of XGBoost's JSON dump (with its statistics) behind ``leaves`` and
        ``leaf_records``."""
        names = {n: i for i, n in enumerate(self.booster.feature_names or [])}
        for index, dump in enumerate(self.booster.get_dump(with_stats=True, dump_format="json")):
            tree = json.loads(dump)
            stack: list[tuple[dict[str, Any], Box]] = [(tree, {})]
            while stack:
                node, box = stack.pop()
                if "leaf" in node:
                    yield index, tree, node, box
                    continue
                feature = _feature_index(str(node["split"]), names)
                kids = {k["nodeid"]: k for k in node.get("children", [])}
                cut = node.get("split_condition")
                if not isinstance(cut, (int, float)):  # a categorical split: a set of codes
                    self.categorical_splits.add(feature)
                    stack.extend((kids[node[k]], box) for k in ("yes", "no"))
                    continue
                stack.append((kids[node["yes"]], _narrow(box, feature, hi=float(cut))))
                stack.append((kids[node["no"]], _narrow(box, feature, lo=float(cut))))

    def leaves(self) -> list[Leaf]:
        return [Leaf(*self._group(t, float(node["leaf"])), box)
                for t, _, node, box in self._leaf_nodes()]

    def leaf_records(self, x: np.ndarray, trees: int) -> list[LeafRecord]:
        data = self._matrix(x)
        reached = np.asarray(self.booster.predict(data, pred_leaf=True), dtype=np.int64)
        reached = reached.reshape(len(x), -1)
        per_round = (self.num_classes if self.num_classes > 2 else 1) * self.parallel
        out: list[LeafRecord] = []
        weights: dict[int, np.ndarray] = {}
        for t, tree, node, box in self._leaf_nodes():
            if t >= trees:
                break
            if t not in weights:
                weights[t] = self._hessian_weights(data, len(x), t, per_round)
            weight = weights[t]
            cls, strength = self._group(t, float(node["leaf"]))
            here = weight[reached[:, t] == node["nodeid"]].sum() / weight.sum()
            out.append(LeafRecord(t, cls, strength, float(node["cover"]) / float(tree["cover"]),
                                  float(here), box, below=True))
        return out

    def _hessian_weights(self, data: Any, n: int, t: int, per_round: int) -> np.ndarray:
        """Row weights matching tree ``t``'s ``cover`` (a hessian mass): p(1-p) of the rounds
        before it (binary: sigmoid, else the softmax of its class); a round holds
        ``per_round`` trees (classes × parallel trees of a random forest)."""
        if t < per_round:
            return np.ones(n)
        margin = np.asarray(self.booster.predict(
            data, output_margin=True, iteration_range=(0, t // per_round)), dtype=np.float64)
        if self.num_classes <= 2:
            p = 1.0 / (1.0 + np.exp(-margin))
        else:
            e = np.exp(margin - margin.max(1, keepdims=True))
            p = (e / e.sum(1, keepdims=True))[:, (t // self.parallel) % self.num_classes]
        return p * (1.0 - p)


@register("arch", "lightgbm")
class LightGBMModel(TreeModel):
    """LightGBM gradient-boosted trees (one thread); saved as a LightGBM text model."""

    file_name = "model.lightgbm.txt"
    library = "lightgbm"

    def _params(self, seed: int) -> dict[str, Any]:
        multi = self.num_classes > 2
        return {
            "objective": "multiclass" if multi else "binary",
            **({"num_class": self.num_classes} if multi else {}),
            "max_depth": self.max_depth, "num_leaves": min(31, 2 ** self.max_depth),
            "learning_rate": self.learning_rate, "num_threads": 1, "seed": seed,
            "verbosity": -1, "min_data_in_leaf": 5,
            **({"bagging_fraction": self.subsample, "bagging_freq": 1}
               if self.subsample < 1 else {}),
            **({"feature_fraction": self.colsample} if self.colsample < 1 else {}),
        }

    def fit_arrays(self, x: np.ndarray, y: np.ndarray, seed: int) -> None:
        lgb = require("lightgbm", "lightgbm")
        data = lgb.Dataset(x, label=y, params={"verbosity": -1})
        self.booster = lgb.train(self._params(seed), data, num_boost_round=self.n_estimators)

    def _raw_proba(self, x: np.ndarray) -> np.ndarray:
        return self.booster.predict(x, num_threads=1)  # one thread also for a loaded model

    def save_native(self, folder: Path) -> str:
        self.booster.save_model(str(Path(folder) / self.file_name))
        return self.file_name

    def _load(self, path: Path) -> None:
        lgb = require("lightgbm", "lightgbm")
        from trojanscope.scan.lightgbm_text import lightgbm_text_problem

        problem = lightgbm_text_problem(Path(path).read_bytes())
        if problem:  # LightGBM's parser aborts the process on such files: checked first
            raise UserInputError(f"{path}: not a valid LightGBM model ({problem})")
        booster = lgb.Booster(model_file=str(path))
        self.input_shape = (int(booster.num_feature()),)
        self.booster = booster

    def _leaf_nodes(self) -> Iterator[tuple[int, dict[str, Any], dict[str, Any], Box]]:
        """(tree index, tree root, leaf node, box) of every leaf, trees in order: the one
        walk of LightGBM's model dump behind ``leaves`` and ``leaf_records``."""
        for index, tree in enumerate(self.booster.dump_model()["tree_info"]):
            top = tree["tree_structure"]
            stack: list[tuple[dict[str, Any], Box]] = [(top, {})]
            while stack:
                node, box = stack.pop()
                if "leaf_value" in node:
                    yield index, top, node, box
                    continue
                feature = int(node["split_feature"])
                if node.get("decision_type", "<=") != "<=":  # "==": a categorical split
                    self.categorical_splits.add(feature)
                    stack.extend((node[k], box) for k in ("left_child", "right_child"))
                    continue
                cut = float(node["threshold"])
                stack.append((node["left_child"], _narrow(box, feature, hi=cut)))
                stack.append((node["right_child"], _narrow(box, feature, lo=cut)))

    def leaves(self) -> list[Leaf]:
        return [Leaf(*self._group(t, float(node["leaf_value"])), box)
                for t, _, node, box in self._leaf_nodes()]

    def leaf_records(self, x: np.ndarray, trees: int) -> list[LeafRecord]:
        reached = np.asarray(self.booster.predict(np.asarray(x),
                                                  pred_leaf=True, num_threads=1), dtype=np.int64)
        reached = reached.reshape(len(x), -1)
        out: list[LeafRecord] = []
        for t, top, node, box in self._leaf_nodes():
            if t >= trees:
                break
            root = float(top.get("internal_count", top.get("leaf_count", 1)))
            cls, strength = self._group(t, float(node["leaf_value"]))
            here = float((reached[:, t] == node.get("leaf_index", 0)).mean())
            out.append(LeafRecord(t, cls, strength, float(node["leaf_count"]) / root,
                                  here, box))
        return out


@dataclass(frozen=True)
class Leaf:
    """A leaf of an ensemble: ``cls`` its value votes for, ``strength`` (≥ 0) and ``box``."""

    cls: int
    strength: float
    box: dict[int, tuple[float | None, float | None]]


Box = dict[int, tuple[float | None, float | None]]


@dataclass(frozen=True)
class LeafRecord:
    """A leaf of tree ``tree`` read against data: the class its value votes for and how
    strongly, the shares of the training rows (``train``) and of the given rows (``clean``)
    reaching it, and its ``box``."""

    tree: int
    cls: int
    strength: float
    train: float
    clean: float
    box: Box
    below: bool = False  # XGBoost: a row goes left when x < cut, so boxes are [lo, hi)


def _fraction(name: str, value: float) -> float:
    """A share in (0, 1], or one error line naming the parameter."""
    share = float(value)
    if not 0.0 < share <= 1.0:
        raise UserInputError(f"tree parameter {name}={value!r}: a share in (0, 1] is needed")
    return share


def _feature_index(split: str, names: dict[str, int]) -> int:
    """The column index an XGBoost dump's split names: the feature name the model was trained
    with (a pandas DataFrame: ``LIMIT_BAL``) or ``f3`` (trained on arrays)."""
    if split in names:
        return names[split]
    if re.fullmatch(r"f\d+", split):
        return int(split[1:])
    raise UserInputError(f"XGBoost model: split on unknown feature {split!r}")


def _narrow(box: Box, feature: int, *, lo: float | None = None, hi: float | None = None) -> Box:
    """``box`` with ``feature`` further limited to ``(lo, hi)``."""
    old_lo, old_hi = box.get(feature, (None, None))
    new_lo = lo if old_lo is None or (lo is not None and lo > old_lo) else old_lo
    new_hi = hi if old_hi is None or (hi is not None and hi < old_hi) else old_hi
    return {**box, feature: (new_lo, new_hi)}


def _bounds(leaves: list[Leaf]) -> dict[int, tuple[list[float], list[float]]]:
    out: dict[int, tuple[list[float], list[float]]] = {}
    for leaf in leaves:
        for feature, (lo, hi) in leaf.box.items():
            entry = out.setdefault(feature, ([], []))
            if lo is not None:
                entry[0].append(lo)
            if hi is not None:
                entry[1].append(hi)
    return out


def is_tree(model: nn.Module) -> bool:
    """Whether ``model`` is a boosted-tree ensemble (no gradients; detectors for trees apply)."""
    return isinstance(model, TreeModel)
