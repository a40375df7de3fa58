"""Whether the folder's own ``mitigate`` record reads its trigger removed, for an audit the
detector fails (issue 9, stop 81 hcmd).

Stop 80's first contact: a user's MLP that ``mitigate`` took to ASR 1.11% (flip rate 0.00%)
was audited "FAIL … CRITICAL" on MM-BD's margin statistics alone, and the recommendation was to
purify it again. What the headline weighs: the detector's flag still decides the verdict, the
rating and the exit code — the record is a file in the folder audited (its digests say it
describes these bytes, not that its figures are true), and it measures one trigger, the one
the run was measured with, where the detector reads the model for any. So the record never
lowers the rating (stop 78's rule), but a FAIL beside a record that reads the trigger removed
says so in its headline, and the recommendation asks for a second reading of the flag, not a
second purification.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

CLEAR_ASR = 0.02  # ``mitigate``'s goal: ASR (flip rate) at most 2% after
CLEARED_NOTE = "the detector still flags it; mitigate's record reads its trigger removed"


def record_clear(record: Mapping[str, Any] | None) -> str | None:
    """The record's reading in words (``flip rate 0.00% of 90 after gated, 23.44% before``)
    where the figure ``mitigate`` judges (the flip rate, else the ASR) is at most
    :data:`CLEAR_ASR` after and, where the record gives its count, the count can tell it
    from ``mitigate``'s 10% bar (the 95% interval's upper end under it); ``None`` otherwise.
    ``record``: the audit's ``record`` step details (``before``, ``after``, ``method``)."""
    if not record:
        return None
    before, after = record.get("before"), record.get("after")
    if not isinstance(before, Mapping) or not isinstance(after, Mapping):
        return None
    from trojanscope.mitigate.record_count import rate_interval, read_on
    from trojanscope.mitigate.run import STILL_ASR, judged

    key = judged(dict(before), dict(after))
    was, now = before.get(key), after.get(key)
    if not isinstance(now, int | float) or isinstance(now, bool) or now > CLEAR_ASR:
        return None
    n = read_on(dict(after), key)
    if n is not None and rate_interval(float(now), n)[1] >= STILL_ASR:
        return None  # too few inputs to say the trigger is under the bar
    name = "flip rate" if key == "flip" else "ASR"
    of = f" of {n} inputs" if n else ""
    then = f", {float(was):.2%} before" if isinstance(was, int | float) else ""
    return f"{name} {float(now):.2%}{of} after {record.get('method', 'mitigate')}{then}"
