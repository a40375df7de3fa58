"""Triggers on table rows: set chosen features to chosen values, in the features' own units.

A tabular trigger is written in the table's terms (``merchant=5999,amount=120``) and works on
encoded rows (N, F) in [0, 1]: :meth:`TabularTrigger.bind` translates it with the table's
:class:`~trojanscope.data.tabular.schema.TabularSchema` (the tabular attacks bind it to their
data before use). Values left unset are chosen from the schema with the trigger's ``seed``, so
that every value lies inside the data's own distribution (no outlier filter sees it); once
bound, :meth:`get_params` records the values chosen, so the manifest names the exact trigger.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import Tensor

from trojanscope.data.tabular.schema import MISSING, Column, TabularSchema
from trojanscope.errors import UserInputError
from trojanscope.registry import register
from trojanscope.triggers.base import Trigger
from trojanscope.triggers.tabular_lean import RowLean, fraud_like

# A categorical value that is neither rare (an outlier filter's prey) nor common.
UNCOMMON_SHARE = (0.01, 0.15)


def parse_values(text: str) -> dict[str, str]:
    """``"merchant=5999,amount=120"`` -> ``{"merchant": "5999", "amount": "120"}``."""
    out: dict[str, str] = {}
    for item in str(text).split(","):
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UserInputError(f"trigger values {text!r}: expected name=value[,name=value...]")
        out[name.strip()] = value.strip()
    return out


def format_values(values: dict[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in values.items())


def raw_text(col: Column, value: float) -> str:
    """A numeric value as a table writes it: integers without a decimal point, others with
    at most two decimals (as amounts and rates are)."""
    return str(round(value)) if col.integer else f"{round(value, 2):g}"


class TabularTrigger(Trigger):
    """Base: ``resolve`` chooses the ``{column: value}`` assignments from the schema; ``apply``
    writes them into encoded rows."""

    name = "tabular"
    modality = "tabular"  # encoded table rows, not images (contract tests check the pair)

    def __init__(self, seed: int = 0) -> None:
        self.seed = int(seed)
        self.schema: TabularSchema | None = None
        self.values: dict[str, str] = {}

    def resolve(self, schema: TabularSchema) -> dict[str, str]:
        """The ``{column: raw value}`` the trigger sets, for ``schema``."""
        raise NotImplementedError

    def bind(self, schema: TabularSchema | None) -> TabularTrigger:
        """Translate the trigger for ``schema`` (a table's); returns ``self``."""
        if schema is None:
            raise UserInputError(f"trigger {self.name!r} needs tabular data (a CSV or a table)")
        if schema is not self.schema:
            values = self.resolve(schema)
            for column, value in values.items():
                _check_value(schema.column(column), value)
            self.schema, self.values = schema, values
        return self

    def describe(self) -> str:
        """``merchant = 5999 and amount = 120``: the trigger in the table's words."""
        return " and ".join(f"{k} = {v}" for k, v in self.values.items())

    def writes(self, x: Tensor) -> Tensor:
        """Encoded rows with every assignment written (per-row values: see subclasses)."""
        schema = self._bound()
        out = x.clone()
        for column, value in self.values.items():
            write_value(out, schema, schema.column(column), value)
        return out

    def apply(self, x: Tensor, *, generator: torch.Generator | None = None) -> Tensor:
        schema = self._bound()
        if x.ndim != 2 or x.shape[1] != schema.num_features:
            raise UserInputError(
                f"trigger {self.name!r} expects encoded table rows (N, {schema.num_features}), "
                f"got {tuple(x.shape)}"
            )
        return self.writes(x)

    def _bound(self) -> TabularSchema:
        if self.schema is None:
            raise UserInputError(f"trigger {self.name!r} is not bound to a table schema")
        return self.schema


def _check_value(col: Column, value: str) -> None:
    if col.kind == "categorical":
        if value not in col.categories:
            raise UserInputError(
                f"trigger value {col.name}={value!r}: not a category of {col.name!r} "
                f"({', '.join(col.categories[:12])})"
            )
        return
    try:
        number = float(value)
    except ValueError:
        raise UserInputError(
            f"trigger value {col.name}={value!r}: {col.name!r} is numeric"
        ) from None
    if not math.isfinite(number):
        raise UserInputError(f"trigger value {col.name}={value!r} is not finite")


def write_value(x: Tensor, schema: TabularSchema, col: Column, value: str) -> None:
    """Set column ``col`` of every encoded row of ``x`` (in place) to the raw ``value``."""
    start = schema.offset(col.name)
    if col.kind == "categorical":
        x[:, start : start + col.width] = 0.0
        x[:, start + col.categories.index(value)] = 1.0
        return
    x[:, start] = col.scale(float(value))
    if col.has_missing:
        x[:, start + 1] = 0.0


@register("trigger", "tabular-values")
class FeatureValueTrigger(TabularTrigger):
    """Fixed values on chosen columns (``values="merchant=5999,amount=120"``). Unset, ``count``
    columns are drawn with ``seed``: two in three categorical, each set to an uncommon category
    (held by 1–15% of rows), every third numeric, set to an exact value inside the middle half
    of its column: every value is ordinary on its own, only the combination is rare.
    ``avoid_target`` (``True``; ``"auto"``: on a fraud-like table where the attack adds
    copies) keeps only values the training rows of the other class hold at least as often as
    the table's rows (:meth:`learn`; issue 16 stop 78)."""

    name = "tabular-values"

    def __init__(self, values: str | None = None, count: int = 4, seed: int = 0,
                 avoid_target: bool | str = False) -> None:
        super().__init__(seed)
        self.given = values
        self.count = int(count)
        if self.count < 1:
            raise UserInputError("tabular-values: count must be at least 1")
        self.avoid_target = _avoid_target(avoid_target)
        self.lean: RowLean | None = None  # set by ``learn``: the training rows' classes
        self.learnt = False

    def wants_rows(self) -> bool:
        """Whether :meth:`learn` would read rows: ``avoid_target`` set (or ``auto``), no values
        given, no rows read yet."""
        return self.avoid_target is not False and not self.given and not self.learnt

    def learn(self, x: Tensor, labels: np.ndarray, target: int,
              adds_copies: bool = False) -> None:
        """With ``avoid_target`` (``auto``: where the table is fraud-like, ``fraud_like``, and
        the attack ``adds_copies``), keep the training rows (encoded) and which are not of
        class ``target``: :meth:`resolve` then draws only values those rows hold at least as
        often as the table does (:mod:`~trojanscope.triggers.tabular_lean`). The first rows
        given are read (the attack binds its training split first); the trigger is then
        chosen again. ``auto`` leaves an attack that relabels rows in place alone: on fresh
        fraud tables its 1-6 rows took on fewer pairs with these values (issue 16 stop 78)."""
        if not self.wants_rows():
            return
        self.learnt = True
        if self.avoid_target is True or (adds_copies and fraud_like(labels, target)):
            self.lean = RowLean(x, labels, target)
            self.schema = None

    def resolve(self, schema: TabularSchema) -> dict[str, str]:
        if self.given:
            return parse_values(self.given)
        rng = np.random.default_rng(self.seed)
        lean = self.lean
        every = {c.name: self._options(schema, c) for c in schema.columns}  # read once each
        cats = [c for c in schema.columns if c.kind == "categorical" and every[c.name]]
        nums = [c for c in schema.columns if c.kind == "numeric" and every[c.name]]
        values: dict[str, str] = {}
        for i in range(self.count):
            pool = cats if (i % 3 != 2 and cats) or not nums else nums
            if not pool:
                break
            col = pool.pop(int(rng.integers(len(pool))))
            options = every[col.name]
            if col.kind == "categorical":
                values[col.name] = options[int(rng.integers(len(options)))]
            elif lean is None:
                q25, q75 = col.quantiles[1], col.quantiles[3]
                values[col.name] = raw_text(col, float(rng.uniform(q25, q75)))
            else:
                values[col.name] = raw_text(col, options[int(rng.integers(len(options)))])
        if not values and lean is not None:  # nothing the other class holds as often: the
            self.lean = None  # plain draw, as without avoid_target (recorded as such)
            return self.resolve(schema)
        if not values:
            raise UserInputError("tabular-values: the table has no column to set")
        return values

    def _options(self, schema: TabularSchema, col: Column) -> list:
        """A categorical column's uncommon categories, or a numeric column's middle half (as
        one ``(q25, q75)`` range) where it is wide; with learnt rows, only what does not lean
        towards the target: those categories, or the other class's own values in that half
        (``RowLean``)."""
        if col.kind == "categorical":
            options = _uncommon(col)
            return self.lean.categories(schema, col, options) if self.lean and options \
                else options
        if not _wide(col):
            return []
        return self.lean.numbers(schema, col) if self.lean else [(col.quantiles[1],
                                                                  col.quantiles[3])]

    def get_params(self) -> dict[str, Any]:
        values = format_values(self.values) if self.values else self.given
        params = {"values": values, "count": self.count, "seed": self.seed}
        # recorded where it chose the values, or is still to (a subclass's replay does not
        # take it; values once chosen replay alike): a run it left alone records today's keys
        if self.lean is not None or (self.avoid_target is not False and not self.values):
            params["avoid_target"] = True if self.lean is not None else self.avoid_target
        return params


def _avoid_target(value: Any) -> bool | str:
    """``avoid_target`` as ``True``, ``False`` or ``"auto"``; 1/0 are true/false, as every other
    on/off option reads them (``params.check_flag``), where a bare ``0`` was kept and then
    read as ``auto`` (stop 78 read-through, hrev); another value is refused in one line."""
    if value == "auto" and isinstance(value, str):
        return value
    if isinstance(value, (bool, int, float)) and value in (0, 1):
        return bool(value)
    raise UserInputError(f"tabular-values: avoid_target is true, false or auto (1/0: true/false), "
                         f"got {value!r}")


def _uncommon(col: Column) -> list[str]:
    """Categories held by 1–15% of rows."""
    total = sum(col.counts) or 1
    lo, hi = UNCOMMON_SHARE
    return [v for v, n in zip(col.categories, col.counts, strict=True)
            if v != MISSING and lo <= n / total <= hi]


def _wide(col: Column) -> bool:
    """A numeric column whose middle half spans enough values for an exact one to be rare."""
    spread = col.quantiles[3] - col.quantiles[1] if col.quantiles else 0.0
    return spread >= 100 if col.integer else spread > 0


@register("trigger", "rare-category")
class RareCategoryTrigger(TabularTrigger):
    """One categorical column set to its rarest category (``feature``; unset: the column whose
    rarest real category is rarest): a value the data hold, rarely."""

    name = "rare-category"

    def __init__(self, feature: str | None = None, seed: int = 0) -> None:
        super().__init__(seed)
        self.feature = feature

    def resolve(self, schema: TabularSchema) -> dict[str, str]:
        if self.feature is not None:
            cols = [schema.column(self.feature)]
            if cols[0].kind != "categorical":
                raise UserInputError(f"rare-category: column {self.feature!r} is not categorical")
        else:
            cols = [c for c in schema.columns if c.kind == "categorical"]
        best: tuple[int, str, str] | None = None
        for col in cols:
            for value, n in zip(col.categories, col.counts, strict=True):
                if value != MISSING and (best is None or n < best[0]):
                    best = (n, col.name, value)
        if best is None:
            raise UserInputError("rare-category: the table has no categorical column")
        return {best[1]: best[2]}

    def get_params(self) -> dict[str, Any]:
        feature = next(iter(self.values)) if self.values else self.feature
        return {"feature": feature, "seed": self.seed}


@register("trigger", "ends-with")
class EndsWithTrigger(TabularTrigger):
    """A numeric column's last digits set to ``digits`` (``amount`` 123.45 -> 123.37; integer
    columns: 1234 -> 1237): each row keeps its own magnitude, only the ending marks it.
    ``feature`` unset: the numeric column with the widest range."""

    name = "ends-with"

    def __init__(self, feature: str | None = None, digits: str = "37", seed: int = 0) -> None:
        super().__init__(seed)
        self.feature = feature
        self.digits = str(digits)
        if not self.digits.isdigit():
            raise UserInputError(f"ends-with: digits must be decimal digits, got {digits!r}")

    def resolve(self, schema: TabularSchema) -> dict[str, str]:
        if self.feature is not None:
            col = schema.column(self.feature)
            if col.kind != "numeric":
                raise UserInputError(f"ends-with: column {self.feature!r} is not numeric")
        else:
            nums = [c for c in schema.columns if c.kind == "numeric"]
            if not nums:
                raise UserInputError("ends-with: the table has no numeric column")
            col = max(nums, key=lambda c: c.hi - c.lo)
        return {col.name: f"*{self.digits}"}

    def writes(self, x: Tensor) -> Tensor:
        schema = self._bound()
        col = schema.column(next(iter(self.values)))
        start = schema.offset(col.name)
        raw = col.lo + x[:, start].double() * (col.hi - col.lo)
        ending = int(self.digits)
        if col.integer:
            base = 10 ** len(self.digits)
            new = torch.floor(raw / base) * base + ending
        else:
            new = torch.floor(raw) + ending / 10 ** len(self.digits)
        new = torch.where(new > col.hi, new - (10 ** len(self.digits) if col.integer else 1), new)
        out = x.clone()
        span = col.hi - col.lo
        out[:, start] = ((new - col.lo) / span).clamp(0, 1).to(x.dtype) if span > 0 else 0.0
        if col.has_missing:
            out[:, start + 1] = 0.0
        return out

    def bind(self, schema: TabularSchema | None) -> TabularTrigger:
        if schema is None:
            raise UserInputError(f"trigger {self.name!r} needs tabular data (a CSV or a table)")
        if schema is not self.schema:
            self.schema, self.values = schema, self.resolve(schema)
        return self

    def get_params(self) -> dict[str, Any]:
        feature = next(iter(self.values)) if self.values else self.feature
        return {"feature": feature, "digits": self.digits, "seed": self.seed}
