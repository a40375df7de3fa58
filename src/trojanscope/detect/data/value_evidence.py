"""Evidence about a group's *value* rather than its rows (issue 16 stop 54), read for
``label-groups``' best groups of one value when a verdict is asked for.

A rare-category trigger writes one value that the clean table holds a handful of times onto
rows drawn from the other labels and gives them the target. The value then makes its rows
(nearly) one label, as a natural factor's value does, so a group's label share alone cannot
tell them apart. What the value's rows can:

- ``excess_z``: how far the group's rows fit their label below every row outside the group,
  in standard errors (the fit leaves the group's shared columns out, as ``excess`` does; a z
  statistic where ``excess`` is in standard deviations, so a large group's small shift
  counts). A natural factor's value is held by rows like any others, so its group fits the
  label about as well as the table's rows do (about 0, or above for a factor that follows
  the label's other signs); rows relabelled from the other labels fit it worse (above 0);
- ``value_rows``: the rows holding the value, whatever their label; ``outside``: those not in
  the group (the value's other labels);
- ``outside_rank``: the share of the column's other values that the other labels' rows hold
  less often than this one (0: among the other labels, no value of the column is rarer);
- ``column_lift``: the largest shrunk log-odds lift towards the group's label of the column's
  other values (held by at least ``min_rows`` rows): how much the rest of the column moves the
  label;
- ``categorical``: whether the value's column is categorical (a rare-category trigger's is).

A pair group gets None for each (its evidence is ``group_evidence``'s ``part_lift``).
"""

from __future__ import annotations

import numpy as np

VALUE_KEYS = ("excess_z", "value_rows", "outside", "outside_rank", "column_lift",
              "categorical")


def value_evidence(cols: list[int], row: int, codes: np.ndarray, labels: np.ndarray,
                   label: int, fit: np.ndarray, min_rows: int, prior: float,
                   categorical: np.ndarray | None = None) -> dict[str, float | int | bool | None]:
    """The value evidence of the group of label ``label`` whose rows share column ``cols[0]``'s
    value in row ``row``; ``fit``: every row's fit to ``label`` without the group's shared
    columns (``group_evidence``'s); ``categorical`` per column (None: every column)."""
    if len(cols) != 1:
        return dict.fromkeys(VALUE_KEYS)
    j = cols[0]
    column = codes[:, j]
    holds = column == column[row]
    own = labels == label
    group = own & holds
    k, rest = int(group.sum()), int((~group).sum())
    spread = np.sqrt(fit[group].var() / k + fit[~group].var() / max(rest, 1)) + 1e-9
    excess_z = float((fit[~group].mean() - fit[group].mean()) / spread)
    values, counts = np.unique(column, return_counts=True)
    other_counts = dict(zip(*np.unique(column[~own], return_counts=True), strict=True))
    mine = other_counts.get(column[row], 0)
    others = [other_counts.get(v, 0) for v in values if v != column[row]]
    share = float(own.mean())
    lifts = []
    for v, n in zip(values, counts, strict=True):
        if v == column[row] or n < min_rows:
            continue
        q = (float((own & (column == v)).sum()) + prior * share) / (float(n) + prior)
        lifts.append(float(np.log(q / (1 - q)) - np.log(share / (1 - share))))
    return {"excess_z": round(excess_z, 3), "value_rows": int(holds.sum()),
            "outside": int(holds.sum()) - k,
            "outside_rank": round(float(np.mean([c < mine for c in others])), 3)
            if others else 0.0,
            "column_lift": round(float(max(lifts)), 3) if lifts else None,
            "categorical": bool(categorical[j]) if categorical is not None else True}
