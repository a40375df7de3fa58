"""How many of the given rows a table model's suspected trigger moves (issue 16, stop 77 h16t).

``tabular-search`` names its trigger from the rows of the file given that belong to another
class and that the model already answers rightly (at most ``rows`` of them, the surest), and
the greedy names ``max_features`` values whether or not the later ones move more rows. On a
small fraud table those rows are few: the README's copies run on the 300-row table reads 14,
the first named value alone sends all 14 to the target, and the planted values do as much on
the run's clean twin. A trigger line without those counts reads as a finding; with them a user
sees how thin the evidence is. Words only: no probability, target or named value moves.
"""

from __future__ import annotations

# fewer rows read than this: the line says other value sets may move them as well (a tree
# class with under ``min_sources`` = 10 is not searched at all; 14-36 rows on hatk's spent
# fraud tables were each moved whole by values that are not the planted ones)
FEW_ROWS = 50
ADD_NONE = "the other values add no row"  # the reach's words where the first value does it all


def reach_words(t: int, read: int, answered: int, moved: int, first: int, values: int) -> str:
    """The line under ``suspected trigger:`` for target ``t``: of the ``read`` rows the search
    read (of ``answered`` rows of other classes the model answers rightly), how many the named
    trigger (``values`` values) and its first value alone send to ``t`` (``moved``, ``first``)."""
    rows = (f"the {read} rows of other classes the model answers rightly" if read == answered
            else f"the {read} rows of other classes the model answers most surely (of "
                 f"{answered})")
    text = f"the suspected trigger sends {moved} of {rows} in the file given to class {t}"
    if values > 1:
        text += f"; its first value alone sends {first}"
        if moved == first:
            text += f" and {ADD_NONE}"
    if read < FEW_ROWS:
        text += (f"; {read} rows are few: other value sets may move them as well, so the "
                 "trigger is a lead to check, not proof of what was planted")
    return text


def trigger_label(reach: str | None) -> str:
    """The words before the suspected trigger: where its first value alone moves every row the
    named set moves (``reach``: :func:`reach_words`), the label says so, so that a line naming
    four values does not read as a four-value trigger found (issue 9 stop 81, hcmd: seed 420's
    fraud table, as stop 80's seed 390, named four values none of them planted, and three of
    them moved no row)."""
    if reach and ADD_NONE in reach:
        return "suspected trigger (its first value alone moves the rows read; the others add none)"
    return "suspected trigger"


def trigger_words(trigger: str, reach: str | None) -> str:
    """``suspected trigger: …`` with the reach beside it, for a finding in one line (the audit
    named the trigger without its reach before stop 81)."""
    return f"{trigger_label(reach)}: {trigger}" + (f" ({reach})" if reach else "")
