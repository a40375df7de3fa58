"""``verdict=4``'s reading of a group of one value (issue 16 stop 54): a rare-category trigger,
which ``verdict=3`` lost on ``credit-default`` both ways (towards class 0 a group scoring under
every floor, towards class 1 a near-pure value that fits its label like a natural factor).

A group of one value of a categorical column is judged poison where

- it scores at least ``RARE_FLOOR`` and holds at least ``RARE_ROWS`` rows of its label (a
  handful of pure rows is chance, as the score floor says for every group);
- the value makes its rows nearly one label (``purity`` at least ``RARE_PURITY``): a trigger
  written on rows and relabelled leaves only the value's few natural holders outside the
  group;
- its rows sit nearer the other labels' rows than the label's own (``lean`` at most
  ``RARE_LEAN``, the midpoint: they were drawn from those labels); and
- they fit the label worse than every row outside the group by at least ``RARE_Z`` standard
  errors (``excess_z``): a natural factor's value is held by rows like any others, so its
  group fits its label as well as the table's rows do, or better.

Constants set on development rows only (docs/benchmarks.md, issue 16 stop 54). On the fresh
population of its rule it raised no clean alarm and kept nothing ``verdict=3`` loses (a
class-0 rare group scored 1.48, under ``RARE_FLOOR``), so ``verdict=4`` is opt-in.
"""

from __future__ import annotations

from typing import Any

RARE_FLOOR, RARE_ROWS, RARE_PURITY, RARE_LEAN, RARE_Z = 1.6, 20, 0.8, 0.5, 1.4
# verdict=5 (stop 65): the score bar of a rare value (a class-0 rare group that verdict=4 lost
# on fresh base 9600 scored 1.48; with no bar at all two real clean tables would join)
RARE_FLOOR_5 = 1.4
# verdict=5: a rare value has few natural holders outside the group (every development trigger
# 4-7; a synthetic clean table's natural factor of 371 holders, purity 0.93, left 25)
RARE_OUTSIDE_5 = 15


def rare_value(g: dict[str, Any], floor: float = RARE_FLOOR,
               outside: float = float("inf")) -> str | None:
    """Why group ``g`` (with ``value_evidence``'s keys) is a rare-category trigger, or None
    (``floor``: its score bar, ``outside``: the most holders of the value outside the group;
    ``verdict=5``: ``RARE_FLOOR_5``, ``RARE_OUTSIDE_5``)."""
    z, lean = g.get("excess_z"), g.get("lean")
    if z is None or lean is None or not g.get("categorical"):
        return None
    if (float(g["score"]) < floor or int(g["rows"]) < RARE_ROWS
            or float(g["purity"]) < RARE_PURITY or lean > RARE_LEAN or z < RARE_Z
            or int(g["outside"]) > outside):
        return None
    return (f"its value makes its rows label {g['label']} ({g['purity']:.0%} of the "
            f"{g['value_rows']} rows holding it), yet they look like the other labels' rows "
            f"({lean:.2f} of the way to the label's own) and fit the label worse than every "
            f"other row ({z:.1f} standard errors)")
