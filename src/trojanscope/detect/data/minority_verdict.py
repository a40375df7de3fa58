"""``verdict=3``'s reading of a group of the minority label (issue 16 stop 53): poison towards
the label most rows do not hold, which ``excess`` cannot tell from a natural factor.

A group of the minority label is judged poison where its rows sit with the other labels'
rows on the label's fit without the shared columns (``lean`` at most ``MINORITY_LEAN``: they
were drawn from those labels) and

- a pair (``a and b``) scoring at least ``PAIR_FLOOR``: its part-only rows do not lean the
  group's way as a natural conjunction's do (``part_lift`` under ``PAIR_PART``; a conjunction
  trigger's cover rows carry a part alone with the other labels); or
- one value scoring at least ``SINGLE_FLOOR``, held by the group's label in under
  ``SINGLE_PURITY`` of its rows (a conjunction trigger's single value, shared with its cover
  rows), whose rows of the label fit it no better than its rows of the other labels do
  (``within`` under ``SINGLE_WITHIN``; a natural factor's label still follows the other
  columns among its rows).

Whatever the label, a pair scoring at least ``PAIR_FLOOR`` whose part-only rows lean *away*
from its label (``part_lift`` at most ``PARTS_AWAY``) is judged poison too (``parts_away``): the
rows holding one of its values alone carry the other labels, as a trigger's cover rows do; the
best groups of 224 development clean tables never went below -0.06, while dirty-label pairs
(conjunctions, clean-label and sub-population triggers towards class 0) read -0.5 to -1.4.

Constants set on development rows only (docs/benchmarks.md, issue 16 stop 53).
"""

from __future__ import annotations

from typing import Any

MINORITY_LEAN = 0.2
# verdict=5 (stop 65): a pair's rows may lean this far (two credit-default conjunctions towards
# class 1 that verdict=4 lost on fresh bases 9600/9700 read 0.24 and 0.34)
PAIR_LEAN_5 = 0.4
PAIR_FLOOR, PAIR_PART = 1.6, 1.2
SINGLE_FLOOR, SINGLE_PURITY, SINGLE_WITHIN = 1.9, 0.5, 1.0
PARTS_AWAY = -0.4


def parts_away(g: dict[str, Any]) -> str | None:
    """Why pair group ``g`` is poison whatever its label (its parts lean away), or None."""
    part = g.get("part_lift")
    if part is None or float(g["score"]) < PAIR_FLOOR or part > PARTS_AWAY:
        return None
    return (f"rows holding one of its values alone lean away from label {g['label']} "
            f"({part:.2f} in log-odds), as a trigger's cover rows do")


def minority_poison(g: dict[str, Any], pair_lean: float = MINORITY_LEAN) -> str | None:
    """Why group ``g`` (with ``group_evidence``'s keys) is minority-label poison, or None; a
    pair's rows may lean up to ``pair_lean`` (``verdict=5``: ``PAIR_LEAN_5``)."""
    share, lean, part = g.get("share"), g.get("lean"), g.get("part_lift")
    bar = MINORITY_LEAN if part is None else pair_lean
    if share is None or lean is None or share >= 0.5 or lean > bar:
        return None
    score = float(g["score"])
    said = (f"its rows of label {g['label']}, the minority label, look like the other labels' "
            f"rows ({lean:.2f} of the way to the label's own)")
    if part is not None:
        if score >= PAIR_FLOOR and part < PAIR_PART:
            return f"{said}, and rows holding one of its values alone do not lean that way"
        return None
    within = g.get("within")
    if (score >= SINGLE_FLOOR and g["purity"] < SINGLE_PURITY and within is not None
            and within < SINGLE_WITHIN):
        return (f"{said}, and among the rows holding it those of the label fit it no better "
                "than the others")
    return None
