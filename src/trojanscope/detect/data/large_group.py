"""A flagged group that holds most of the table (issue 9, stop 81 hcmd).

The README tour's ``detect-data transactions.csv --label-column is_fraud`` on a new user's
seed-420 table (300 rows of the bundled credit data, none poisoned) printed "190 of 300 samples
flagged … most suspicious group: Debt = 0 with label 0 (190 rows …)": the value most rows of
the label hold, flagged whole. A poisoned group is a small part of a table (the project's table
attacks relabel 5% of the rows by default, or add 10 copies), so a group holding more than half
of it is the table's own pattern, not a trigger. Words only: no flag or score moves (the
screens' flags belong to issue 16's rules).
"""

from __future__ import annotations

MOST = 0.5  # a group holding more than this share of the table's rows


def large_group_note(groups: list[dict], rows: int, flagged: int) -> str | None:
    """The note where rows are flagged and the first group (``groups``: ``label-groups``'
    best-scoring, each with ``rows``) holds more than :data:`MOST` of the table's ``rows``;
    ``None`` otherwise."""
    if not flagged or not groups or not rows:
        return None
    held = int(groups[0].get("rows", 0))
    if held <= MOST * rows:
        return None
    return (f"the most suspicious group holds {held} of the table's {rows} rows "
            f"({held / rows:.0%}): a poisoned group is a small part of a table (the project's "
            "table attacks relabel 5% of the rows by default), so a group holding most of it "
            "is the table's own pattern, the value most rows of the label hold, not a trigger; "
            f"read the {flagged} flags as that pattern, not as poison")
