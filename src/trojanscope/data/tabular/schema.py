"""The schema of a table and its encoding into float32 features in [0, 1].

A table (columns of strings, ``None`` for missing) becomes an (N, F) float32 array that every
model, trigger and detector of trojanscope reads, and the schema says how, so that evidence can
name features and new data can be encoded exactly as the training data were:

- a **numeric** column ``c`` becomes one feature, ``(v - lo) / (hi - lo)`` clipped to [0, 1]
  (``lo``/``hi`` are the column's minimum and maximum); a missing value takes the median and,
  when the column had missing values, a second feature ``c=<missing>`` is 1;
- a **categorical** column becomes one feature per category (one-hot, ``c=value``); a missing
  value is the category ``<missing>``.

The schema is fitted once on the whole table (so train and test share it) and written into the
run manifest (``tabular``); :meth:`TabularSchema.encode` refuses what it cannot encode faithfully
(unseen categories, text in a numeric column) with one clear error.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from trojanscope.errors import UserInputError
from trojanscope.io.delimited import is_missing

MISSING = "<missing>"
MAX_CATEGORIES = 100  # a text column with more distinct values is an identifier, not a category
NUMERIC_SHARE = 0.95  # a column this numeric with a few words in it is a typo, not a category


def to_number(value: str) -> float | None:
    """The cell as a finite float, or None."""
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


@dataclass(frozen=True)
class Column:
    """One input column: its kind, and what its encoding needs."""

    name: str
    kind: str  # "numeric" or "categorical"
    categories: tuple[str, ...] = ()
    counts: tuple[int, ...] = ()  # rows per category (categorical)
    lo: float = 0.0
    hi: float = 1.0
    median: float = 0.0
    quantiles: tuple[float, ...] = ()  # 10th, 25th, 50th, 75th, 90th percentiles (numeric)
    integer: bool = False
    has_missing: bool = False

    @property
    def width(self) -> int:
        """Number of encoded features."""
        if self.kind == "categorical":
            return len(self.categories)
        return 1 + int(self.has_missing)

    def scale(self, value: float, clip: bool = True) -> float:
        """A raw numeric value in encoded units (clipped to [0, 1] unless ``clip`` is False:
        a tree's threshold beyond the clean range stays beyond it)."""
        span = self.hi - self.lo
        if span <= 0:
            return 0.0
        scaled = (value - self.lo) / span
        return float(np.clip(scaled, 0.0, 1.0)) if clip else float(scaled)

    def unscale(self, encoded: Any) -> Any:
        """Encoded numeric value(s) in raw units (a float, or float64 array for an array)."""
        raw = self.lo + np.asarray(encoded, dtype=np.float64) * (self.hi - self.lo)
        raw = np.round(raw) if self.integer else raw
        return float(raw) if raw.ndim == 0 else raw


@dataclass(frozen=True)
class TabularSchema:
    """Columns, label and class names of a table, and the layout of its encoded features."""

    columns: tuple[Column, ...]
    label: str
    class_names: tuple[str, ...]
    offsets: tuple[int, ...] = field(default=())

    def __post_init__(self) -> None:
        starts, pos = [], 0
        for col in self.columns:
            starts.append(pos)
            pos += col.width
        object.__setattr__(self, "offsets", tuple(starts))

    @property
    def num_features(self) -> int:
        return sum(c.width for c in self.columns)

    def column(self, name: str) -> Column:
        """The column called ``name``; unknown names list the valid ones."""
        for col in self.columns:
            if col.name == name:
                return col
        valid = ", ".join(c.name for c in self.columns)
        raise UserInputError(f"no feature column {name!r}; columns: {valid}")

    def offset(self, name: str) -> int:
        """Index of the first encoded feature of column ``name``."""
        return self.offsets[[c.name for c in self.columns].index(self.column(name).name)]

    def feature_names(self) -> list[str]:
        """One name per encoded feature: ``amount``, ``amount=<missing>``, ``job=fixed``."""
        out: list[str] = []
        for col in self.columns:
            if col.kind == "categorical":
                out += [f"{col.name}={c}" for c in col.categories]
            else:
                out.append(col.name)
                if col.has_missing:
                    out.append(f"{col.name}={MISSING}")
        return out

    def describe(self, feature: int, encoded: float) -> tuple[str, str]:
        """``(column, raw value)`` that encoded ``feature`` at value ``encoded`` stands for."""
        for col, start in zip(self.columns, self.offsets, strict=True):
            if start <= feature < start + col.width:
                if col.kind == "categorical":
                    return col.name, col.categories[feature - start]
                if feature > start:  # the missing indicator
                    return col.name, MISSING if encoded >= 0.5 else "present"
                value = col.unscale(encoded)
                return col.name, (f"{value:g}" if not col.integer else str(int(value)))
        raise IndexError(f"feature {feature} outside the schema's {self.num_features}")

    # -- encoding ----------------------------------------------------------------------------
    def encode(self, table: dict[str, list[str | None]], source: str) -> np.ndarray:
        """The (N, F) float32 encoding of ``table`` (column name -> cells)."""
        missing = [c.name for c in self.columns if c.name not in table]
        if missing:
            raise UserInputError(
                f"{source}: missing column(s) {', '.join(missing)} that the model was trained on"
            )
        n = len(next(iter(table.values()))) if table else 0
        out = np.zeros((n, self.num_features), dtype=np.float32)
        for col, start in zip(self.columns, self.offsets, strict=True):
            cells = table[col.name]
            if col.kind == "categorical":
                index = {c: i for i, c in enumerate(col.categories)}
                for row, cell in enumerate(cells):
                    key = MISSING if is_missing(cell) else str(cell).strip()
                    pos = index.get(key)
                    if pos is None:
                        raise UserInputError(
                            f"{source}: column {col.name!r} row {row + 1}: unseen category "
                            f"{key!r} (known: {', '.join(col.categories[:12])}"
                            f"{', ...' if len(col.categories) > 12 else ''})"
                        )
                    out[row, start + pos] = 1.0
                continue
            for row, cell in enumerate(cells):
                if is_missing(cell):
                    out[row, start] = col.scale(col.median)
                    if col.has_missing:
                        out[row, start + 1] = 1.0
                    continue
                value = to_number(str(cell))
                if value is None:
                    raise UserInputError(
                        f"{source}: column {col.name!r} row {row + 1}: non-numeric value "
                        f"{cell!r} in a numeric column"
                    )
                out[row, start] = col.scale(value)
        return out

    # -- manifest ----------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the manifest's ``tabular`` entry)."""
        return {
            "label": self.label,
            "class_names": list(self.class_names),
            "num_features": self.num_features,
            "encoding": "numeric: (v - lo) / (hi - lo) clipped to [0, 1], missing -> median "
            "plus a '=<missing>' indicator; categorical: one-hot, missing -> '<missing>'",
            "columns": [
                {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(c).items()}
                for c in self.columns
            ],
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> TabularSchema:
        """Rebuild from :meth:`to_dict`; a malformed entry is a :class:`UserInputError`."""
        try:
            columns = tuple(
                Column(**{k: (tuple(v) if isinstance(v, list) else v) for k, v in c.items()})
                for c in raw["columns"]
            )
            return cls(columns, str(raw["label"]), tuple(raw["class_names"]))
        except (KeyError, TypeError) as exc:
            raise UserInputError(f"manifest: malformed 'tabular' schema ({exc})") from None


def fit_schema(
    table: dict[str, list[str | None]], label: str, class_names: tuple[str, ...], source: str
) -> TabularSchema:
    """Infer every feature column's kind and encoding parameters from ``table``."""
    columns = []
    for name, cells in table.items():
        if name == label:
            continue
        columns.append(_fit_column(name, cells, source))
    if not columns:
        raise UserInputError(f"{source}: no feature columns besides the label {label!r}")
    return TabularSchema(tuple(columns), label, class_names)


def _fit_column(name: str, cells: list[str | None], source: str) -> Column:
    present = [str(c).strip() for c in cells if not is_missing(c)]
    has_missing = len(present) < len(cells)
    numbers = [to_number(c) for c in present]
    numeric = [v for v in numbers if v is not None]
    if present and len(numeric) == len(present):
        arr = np.asarray(numeric, dtype=np.float64)
        q = np.quantile(arr, [0.1, 0.25, 0.5, 0.75, 0.9])
        return Column(
            name, "numeric", lo=float(arr.min()), hi=float(arr.max()), median=float(q[2]),
            quantiles=tuple(float(v) for v in q), integer=bool(np.all(arr == np.round(arr))),
            has_missing=has_missing,
        )
    if present and len(numeric) >= NUMERIC_SHARE * len(present):
        row, bad = next((i, c) for i, c in enumerate(cells)
                        if not is_missing(c) and to_number(str(c)) is None)
        raise UserInputError(
            f"{source}: column {name!r} row {row + 1}: non-numeric value {bad!r} in a numeric "
            "column"
        )
    values = [MISSING if is_missing(c) else str(c).strip() for c in cells]
    cats, counts = np.unique(np.asarray(values, dtype=object).astype(str), return_counts=True)
    if len(cats) > MAX_CATEGORIES:
        raise UserInputError(
            f"{source}: column {name!r} has {len(cats)} distinct non-numeric values (a "
            f"categorical column may have at most {MAX_CATEGORIES}); remove identifier columns"
        )
    return Column(
        name, "categorical", categories=tuple(str(c) for c in cats),
        counts=tuple(int(k) for k in counts), has_missing=has_missing,
    )
