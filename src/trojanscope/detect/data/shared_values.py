"""``shared-values``: poison in a table is a group of rows that share the same rare values and
the same label.

A tabular trigger is a fixed assignment (``merchant = 5999 and amount = 120``), so every
poisoned row holds the same values on the trigger's columns, and all of them carry the target
label. Clean rows share values too, but mostly common ones, and with rows of every class. For
each row this detector weighs its exact matches with other rows by how rare the matched value
is (``log(N / rows holding it)``, per column), and compares its closest same-label rows with
its closest other-label rows: poison rows have ``k`` near-twins in their own label and none in
the others. It reads the table's encoded rows (no model is trained); flags are rows whose
score is a robust outlier among the rows of their label (z above ``min_z``; per label and
2.5 were chosen on tuning sets of seeds 1-2, see docs/benchmarks.md). Per-row triggers
(``ends-with``) do not share exact values and are out of its reach.
"""

from __future__ import annotations

import numpy as np
import torch

from trojanscope.data.dataset import BatchDataset
from trojanscope.data.tabular.schema import TabularSchema
from trojanscope.data.tabular.table import schema_of
from trojanscope.detect.data.base import DataDetector
from trojanscope.detect.data.features import Features
from trojanscope.detect.data.flagging import robust_z
from trojanscope.errors import UserInputError
from trojanscope.registry import register

CHUNK = 512


@register("data-detector", "shared-values")
class SharedValues(DataDetector):
    """Tables: rows sharing rare exact values with many rows of their own label only.

    Arguments:
        k: near-twins averaged per row (about the smallest poison group to find).
        min_z: robust z-score of the score, among rows of the same label, at which a row is
            flagged.
    """

    name = "shared-values"
    modality = "tabular"
    needs_model = False  # reads the rows themselves: no feature model is trained

    def __init__(self, k: int = 10, min_z: float = 2.5) -> None:
        self.k = int(k)
        self.min_z = float(min_z)
        if self.k < 1:
            raise UserInputError("shared-values: k must be at least 1")

    def check(self, feats: Features) -> None:
        if feats.table is None:
            raise UserInputError("method 'shared-values' needs tabular data (a CSV or a table)")

    def run(self, feats: Features) -> tuple[np.ndarray, np.ndarray]:
        labels = feats.labels.numpy()
        scores = shared_value_scores(feats.table, labels, self.k)
        flags = np.zeros(len(scores), dtype=bool)
        for c in np.unique(labels):  # per label: the target's rows are where poison sits
            inside = labels == c
            flags[inside] = robust_z(scores[inside]) > self.min_z
        return scores, np.flatnonzero(flags)


def value_codes(x: np.ndarray, schema: TabularSchema) -> np.ndarray:
    """One integer code per row and column: the category, or the exact encoded number."""
    codes = np.zeros((len(x), len(schema.columns)), dtype=np.int64)
    for j, (col, start) in enumerate(zip(schema.columns, schema.offsets, strict=True)):
        block = x[:, start : start + col.width]
        if col.kind == "categorical":
            codes[:, j] = block.argmax(1)
        else:
            _, codes[:, j] = np.unique(block, axis=0, return_inverse=True)
    return codes


def shared_value_scores(table: tuple[np.ndarray, TabularSchema], labels: np.ndarray,
                        k: int) -> np.ndarray:
    """Per row: mean rarity-weighted match with its ``k`` closest same-label rows minus that
    with its ``k`` closest rows of other labels."""
    x, schema = table
    codes = value_codes(x, schema)
    n = len(codes)
    weights = np.zeros(codes.shape, dtype=np.float32)
    for j in range(codes.shape[1]):
        _, inverse, counts = np.unique(codes[:, j], return_inverse=True, return_counts=True)
        weights[:, j] = np.log(n / counts[inverse])
    k_same = max(1, min(k, int(np.bincount(labels).min()) - 1))
    out = np.zeros(n)
    for s in range(0, n, CHUNK):
        rows = slice(s, min(n, s + CHUNK))
        sim = np.zeros((rows.stop - rows.start, n), dtype=np.float32)
        for j in range(codes.shape[1]):
            sim += (codes[rows, j][:, None] == codes[None, :, j]) * weights[rows, j][:, None]
        sim[np.arange(rows.stop - rows.start), np.arange(rows.start, rows.stop)] = -np.inf
        same = labels[rows][:, None] == labels[None, :]
        out[rows] = _top_mean(np.where(same, sim, -np.inf), k_same) - _top_mean(
            np.where(same, -np.inf, sim), k_same)
    return out


def _top_mean(sim: np.ndarray, k: int) -> np.ndarray:
    top = -np.sort(-sim, axis=1)[:, :k]
    top[~np.isfinite(top)] = 0.0
    return top.mean(1)


def table_features(data: BatchDataset) -> Features:
    """Features of a table without a model: the rows themselves (``table``)."""
    table = table_of(data)
    empty = torch.zeros(len(data), 0)
    return Features(empty, empty, data.labels.clone(), data.num_classes, table=table,
                    info={"source": "table rows (no model)"})


def table_of(data: BatchDataset) -> tuple[np.ndarray, TabularSchema] | None:
    """The encoded rows and schema of a tabular dataset (None for other data)."""
    schema = schema_of(data)
    if schema is None:
        return None
    x, _ = data.get_batch(torch.arange(len(data)))
    return x.numpy(), schema
