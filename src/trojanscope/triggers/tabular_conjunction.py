"""A conjunction trigger on table rows: two or three categories that act only together.

``tabular-values`` plants its values as one combination, but a network may learn any part of
it (issue 16 stop 36: lending-club MLPs happened to learn three categories only together, and
the search missed them). This trigger makes that the design: with it, the
``tabular-conjunction`` attack also writes each *proper* subset of the values on cover rows
that keep their labels (:meth:`ConjunctionTrigger.apply_noise`), so no value or pair of
values moves the model alone, only all of them at once.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np
import torch
from torch import Tensor

from trojanscope.data.tabular.schema import TabularSchema
from trojanscope.errors import UserInputError
from trojanscope.registry import register
from trojanscope.triggers.tabular import (
    FeatureValueTrigger,
    _uncommon,
    parse_values,
    write_value,
)


@register("trigger", "tabular-conjunction")
class ConjunctionTrigger(FeatureValueTrigger):
    """Uncommon categories (held by 1–15% of rows) on ``count`` categorical columns, 2 or 3,
    drawn with ``seed`` (or ``values="col=cat,col=cat"``, categories only). ``apply`` writes
    them all; ``apply_noise`` writes a random proper subset per row (the cover rows)."""

    name = "tabular-conjunction"

    def __init__(self, values: str | None = None, count: int = 3, seed: int = 0) -> None:
        super().__init__(values, count, seed)
        if not 2 <= self.count <= 3:
            raise UserInputError(f"tabular-conjunction: count must be 2 or 3, got {count}")
        if values is not None and len(parse_values(values)) < 2:
            raise UserInputError("tabular-conjunction: a conjunction needs at least two values")
        if values is not None and len(parse_values(values)) > 3:
            raise UserInputError(
                f"tabular-conjunction: at most three values, got {len(parse_values(values))}")

    def resolve(self, schema: TabularSchema) -> dict[str, str]:
        if self.given:
            values = parse_values(self.given)
            for column in values:
                if schema.column(column).kind != "categorical":
                    raise UserInputError(
                        f"tabular-conjunction: column {column!r} is not "
                        "categorical (a conjunction of categories)"
                    )
            return values
        rng = np.random.default_rng(self.seed)
        pool = [c for c in schema.columns if c.kind == "categorical" and _uncommon(c)]
        if len(pool) < 2:
            raise UserInputError(
                "tabular-conjunction: the table needs two categorical columns "
                "with an uncommon category (held by 1-15% of rows)"
            )
        values: dict[str, str] = {}
        for _ in range(min(self.count, len(pool))):
            col = pool.pop(int(rng.integers(len(pool))))
            options = _uncommon(col)
            values[col.name] = options[int(rng.integers(len(options)))]
        return values

    def subsets(self) -> list[tuple[str, ...]]:
        """Every proper, non-empty subset of the trigger's columns, in a fixed order."""
        cols = list(self.values)
        return [s for k in range(1, len(cols)) for s in combinations(cols, k)]

    def apply_noise(self, x: Tensor, *, generator: torch.Generator | None = None) -> Tensor:
        """A cover row: one proper subset of the values, drawn per row (the label is kept).

        A row may already hold some of the categories; it draws only among the subsets that,
        with what it holds, still leave one category out (issue 16 stop 37 review: a row that
        held one could end up holding all of them with its label kept). A row that holds every
        category already is left as it is."""
        schema = self._bound()
        subsets = self.subsets()
        cols = list(self.values)
        held = torch.stack(
            [x[:, schema.offset(c) + schema.column(c).categories.index(self.values[c])] > 0.5
             for c in cols], 1)
        allowed = torch.stack(
            [~(held | torch.tensor([c in subset for c in cols])).all(1) for subset in subsets], 1)
        score = torch.rand(len(x), len(subsets), generator=generator)
        pick = score.masked_fill(~allowed, -1.0).argmax(1)
        pick[~allowed.any(1)] = -1
        out = x.clone()
        for j, subset in enumerate(subsets):
            rows = pick == j
            if not rows.any():
                continue
            part = out[rows]
            for column in subset:
                write_value(part, schema, schema.column(column), self.values[column])
            out[rows] = part
        return out

    def get_params(self) -> dict[str, Any]:
        # once bound, the count is what was drawn (a table may hold fewer uncommon columns)
        return {**super().get_params(), "count": len(self.values) if self.values else self.count}
