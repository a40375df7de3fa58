"""How many of the given rows a table model's suspected trigger moves (issue 16, stop 77 h16t).

``tabular-search`` names its trigger by a greedy search on the rows of the file given that
belong to another class and that the model already answers rightly (at most ``rows`` of them,
the surest), and it names ``max_features`` values whether or not the later ones move more rows.
On a small fraud table those rows are few: the README's copies run on the 300-row table reads
14, the first value alone sends all 14 to the target, and the planted values do as much on the
run's clean twin. A trigger line without those counts reads as a finding; with them a user sees
how thin the evidence is. Words only: no probability, target or named value moves.
"""

from __future__ import annotations

from typing import Any

# fewer rows read than this: the line says many value sets may move them as well (the search's
# own floor for a tree's class, ``min_sources``, is 10; a backdoor's few rows are not that)
FEW_ROWS = 30


def reach_words(verdict: Any) -> str | None:
    """The line under ``suspected trigger:``: of the rows the search read, how many the whole
    named trigger and its first value alone send to the target; None where the verdict holds
    no such reading (not a table search, nothing flagged, or a verdict stored before stop 77)."""
    if not verdict.target_classes:
        return None
    t = verdict.target_classes[0]
    row = next((r for r in verdict.per_class if r.cls == t), None)
    if row is None or "rows_read" not in row.details:
        return None
    d = row.details
    n, answered = int(d["rows_read"]), int(d.get("rows_answered", d["rows_read"]))
    steps = sorted(int(k[5:]) for k in d if k.startswith("flip_") and k[5:].isdigit())
    if not n or not steps:
        return None
    whole, first = round(d[f"flip_{steps[-1]}"] * n), round(d["flip_1"] * n)
    read = (f"the {n} rows of other classes the model answers rightly" if n == answered else
            f"the {n} rows of other classes the model answers most surely (of {answered})")
    text = (f"the suspected trigger sends {whole} of {read} in the file given to class {t}; "
            f"its first value alone sends {first}")
    if len(steps) > 1 and whole == first:
        text += ", the other values add none"
    if n < FEW_ROWS:
        text += (f"; {n} rows are few: other value sets may move them as well, so the trigger "
                 "is a lead to check, not the planted one found")
    return text
