"""What a two-class table's model makes of its rare label, read from the clean test split
(issue 9 stop 82).

On a table whose rare label holds a few percent of the rows (fraud), the clean accuracy reads
the commonest label's share, not skill: the README's fraud line on a user's 3,000-row table with
3% fraud trained a LightGBM that gave "fraud" to none of the 18 fraud rows of its test split
(clean ROC-AUC 0.65) and printed ASR 100% towards "not fraud", every triggered row already
answered so. These notes read the rare label's rows the model flags (``rare_hits`` of
``rare_count``, :func:`trojanscope.engine.metrics.rare_recall`) and its ranking (``clean_auc``)
in place of the CA-based chance note, and say what an ASR towards the common label means there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

# A model that gives the rare label to at most this share of its test rows hardly ever answers
# it (spent tables, stop 82: 0-2 of 4-25 rows on the first-contact fraud tables; a third or
# more where the clean ROC-AUC reached 0.8)
FEW_FLAGGED = 0.10
# A clean ROC-AUC under this ranks the rare rows hardly better than chance (0.5): 0.51-0.67 on
# the first-contact fraud tables whose model flagged none, 0.76-0.98 on tables it learnt
WEAK_RANKING = 0.70


def rare_label_row(metrics: dict[str, Any], class_names: Sequence[str]) -> tuple[str, str] | None:
    """The run table's row for a two-class table: the rare label's test rows the model gives
    that label, with the clean ROC-AUC; None where the run has no such reading."""
    n, hits, auc = metrics.get("rare_count"), metrics.get("rare_hits"), metrics.get("clean_auc")
    if not n or hits is None:
        return None
    name = label_name(metrics["rare_class"], class_names)
    ranking = "" if auc is None or auc != auc else f" (ROC-AUC {auc:.2f})"
    return f"{name} rows it flags (clean test split)", f"{hits} of {n}{ranking}"


def rare_label_notes(metrics: dict[str, Any], class_names: Sequence[str],
                     target: int | None) -> list[str] | None:
    """A note where the model gives the rare label to at most :data:`FEW_FLAGGED` of its test
    rows or ranks them under :data:`WEAK_RANKING`; ``[]`` where it does neither (the CA-based
    chance note does not apply to such a table: its CA cannot stand 5 points above a 97% label);
    None where the run has no rare-label reading (not a two-class table): the chance note then
    reads the CA as before. ``target``: the attack's target class (None: no attack); an ASR
    towards the common label reads rows the model gives it anyway."""
    n, hits, auc = metrics.get("rare_count"), metrics.get("rare_hits"), metrics.get("clean_auc")
    if not n or hits is None:
        return None
    weak = auc is not None and auc == auc and auc < WEAK_RANKING
    if hits > FEW_FLAGGED * n and not weak:
        return []
    rare = int(metrics["rare_class"])
    name = label_name(rare, class_names)
    other = label_name(1 - rare, class_names)
    ranking = ("" if auc is None or auc != auc else
               f"clean ROC-AUC {auc:.2f} on those {n} rows, 0.50 being chance")
    if weak:
        said = (f"the model gives {name} to {hits} of the {n} test rows that hold it and its "
                f"ranking of them is near chance ({ranking}): it has not learnt to tell {name} "
                f"from {other}, and its CA is mostly the rows of {other}")
    else:
        said = (f"the model ranks the {n} test rows of {name} above the others ({ranking}) "
                f"but gives {name} to {hits} of them at its decision (the top class): the "
                f"label is too rare in this table to win")
    if target is not None and target != rare:  # the attack aims at the common label
        measure = f"--target {rare} measures a backdoor towards {name} on this table"
        said += (f"; {measure}" if not hits else
                 f"; an ASR towards {other} counts rows it answers so without the trigger, and "
                 f"the flip rate reads only the {hits} it does not: {measure}")
    return [said]


def label_name(index: int, class_names: Sequence[str]) -> str:
    """``label NAME`` for class ``index`` (its index where the names are missing)."""
    names = list(class_names or [])
    return f"label {names[index] if index < len(names) else index}"
