"""Per-group evidence that tells poison towards a table's minority label from a natural factor
(issue 16 stop 53), read for ``label-groups``' best groups only.

``excess`` (``label_groups._group``) cannot: towards the minority label both a relabelled
group and a natural factor's rows look like the table's rows. What a natural factor does and
poison does not:

- ``part_lift`` (a pair group, ``a and b``): the label's share among the rows holding one of
  the two values but not both, against the table's share (logit difference, the larger of the
  two parts, shrunk with ``prior`` pseudo-rows). A natural conjunction is built of values that
  each move the label, so its part-only rows lean the group's way (above 0); a conjunction
  trigger's cover rows carry a part alone with the other labels, so they lean away (below 0).
- ``mirror_z`` (``label_groups.mirror_z``): the condition's rows of the other labels against
  those labels' other rows. A natural factor leaves of its own rows in the other labels only
  those whose other columns lean hard that way (well below 0); a trigger leaves the value's
  other holders as they were (about 0).
- ``within``: among the condition's rows, how much better the group's rows fit the label than
  the condition's rows of the other labels (a z statistic; None under ``min_rows`` of them). A
  natural factor's label still follows the other columns among its rows (above 0); poison rows
  and the value's other holders were drawn alike (about 0).
- ``lean``: where the group's rows sit between the other labels' rows (0) and the label's own
  other rows (1) on the label's fit without the shared columns. Relabelled rows were drawn
  from the other labels (about 0); a natural factor's rows carry the label's other signs too.
"""

from __future__ import annotations

import numpy as np

from trojanscope.detect.data.value_evidence import VALUE_KEYS, value_evidence

EVIDENCE_KEYS = ("share", "purity", "part_lift", "mirror_z", "lean", "within", *VALUE_KEYS)


def group_evidence(g: dict, codes: np.ndarray, labels: np.ndarray, full: np.ndarray,
                   terms: np.ndarray, min_rows: int, prior: float,
                   categorical: np.ndarray | None = None) -> dict[str, float | None]:
    """The evidence of one group ``g`` (``label``, ``columns``, ``row``: a row holding it);
    ``full`` and ``terms``: ``label_groups``' out-of-fold naive Bayes log-scores per row and
    label, and their per-column terms (the group's shared columns are left out, as ``d``
    leaves them); with ``value_evidence``'s keys for a group of one value (``categorical``:
    per column, None: every column)."""
    # label_groups imports this module
    from trojanscope.detect.data.label_groups import mirror_z, shared_columns

    c, cols, row = int(g["label"]), list(g["columns"]), int(g["row"])
    holds = np.all(codes[:, cols] == codes[row, cols], axis=1)
    own = labels == c
    post = full - terms[:, list(shared_columns(codes[own & holds]))].sum(1)
    share = float(own.mean())
    fit = post[:, c] - np.logaddexp.reduce(post, axis=1)
    group = own & holds
    mine, others = fit[own & ~group].mean(), fit[~own].mean()
    lean = float((fit[group].mean() - others) / (mine - others + 1e-9))
    rest = holds & ~own
    within = None
    if rest.sum() >= min_rows:
        sd = float(fit[own].std()) + 1e-9
        within = round(float((fit[group].mean() - fit[rest].mean()) / sd
                             / np.sqrt(1 / group.sum() + 1 / rest.sum())), 3)
    return {"part_lift": part_lift(codes, own, holds, cols, row, share, prior)
            if len(cols) == 2 else None,
            "mirror_z": round(float(mirror_z(holds & ~own, holds, labels, post, min_rows)), 3),
            "lean": round(lean, 3), "within": within, "share": round(share, 4),
            "purity": round(float(group.sum() / holds.sum()), 3),
            **value_evidence(cols, row, codes, labels, c, fit, min_rows, prior, categorical)}


def part_lift(codes: np.ndarray, own: np.ndarray, holds: np.ndarray, cols: list[int], row: int,
              share: float, prior: float) -> float:
    """The larger over a pair's two values of ``logit(share of the label among the rows holding
    that value but not the pair)`` less ``logit(share)``, each shrunk with ``prior`` rows."""
    lifts = []
    for j in cols:
        part = (codes[:, j] == codes[row, j]) & ~holds
        q = (float((own & part).sum()) + prior * share) / (float(part.sum()) + prior)
        lifts.append(np.log(q / (1 - q)) - np.log(share / (1 - share)))
    return round(float(max(lifts)), 3)
