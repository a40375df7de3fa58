"""The clean file's size against the files ``tabular-search``'s calibrators were fitted on.

The tree features that weigh training mass (``tab_mass*``) are Poisson deviances over the clean
rows, which grow with the rows: on a 200-row file a lending-club backdoor's mass reads like a
clean tree's from the whole split (``tab_mass`` 5.4 → 3.2). The networks' excess subtracts a
reference fitted on the clean rows, which a small file fits loosely: every clean credit-default
MLP was flagged with 200 rows (docs/benchmarks.md, issue 16 stop 39). The calibrators were
fitted on the bundled tables' test splits, so a smaller file is outside what they cover: the
verdict says so in a note (and the audit rates a low probability inconclusive) rather than
pass p off as calibrated.
"""

from __future__ import annotations

# the fewest clean rows any tabular-search calibrator was fitted with: credit-default's test
# split (lending-club's holds 1,971)
MIN_CALIBRATED_ROWS = 891
CALIBRATED_LARGEST = 1971


def size_note(rows: int, floor: int) -> str | None:
    """The note for a clean file of ``rows`` rows, or ``None`` where ``rows`` reaches
    ``floor`` (0: never a note)."""
    if floor <= 0 or rows >= floor:
        return None
    return (
        f"the clean file holds {rows} rows, fewer than {floor}: the calibrators were fitted "
        f"on clean files of {MIN_CALIBRATED_ROWS:,}-{CALIBRATED_LARGEST:,} rows, and with fewer "
        "rows the evidence shifts (trees' training mass reads lower, networks' excess "
        "higher), so p is not calibrated for this file; give more clean rows if there are"
    )
