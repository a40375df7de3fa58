"""How many inputs the figure in ``mitigate``'s record is read on, and its 95% interval: the
audit's ``TSA120`` and ``mitigate``'s own "still there" note say "too few inputs to tell" where
that interval reaches ``mitigate``'s 10% bar (issue 12 stop 79, hrow: hrev's table MLP failed
its audit on 4 of 10 rows, a figure of +/- 30 points).

The floor is a statement of sampling error, not a bar tuned on any population's outcome: the
exact (Clopper-Pearson) 95% interval of k successes in n inputs. Where its lower end is at or
under :data:`~trojanscope.mitigate.run.STILL_ASR`, the record cannot tell a residue above the
bar from one under it (1 of 3, 2 of 5, 3 of 10 are such counts; 4 of 10 is not: a rate of
10% gives 4 or more of 10 in 1.3% of draws). A record without a count (written before stop 79
for the ASR, before stop 78 for the flip rate) has no interval and is judged as before.
"""

from __future__ import annotations

from typing import Any

from trojanscope.plain_numbers import whole

LEVEL = 0.95  # the interval's coverage
COUNT_KEYS = {"flip": "flip_inputs", "asr": "asr_inputs"}  # figure -> its count in the record


def read_on(figures: dict[str, Any], key: str) -> int | None:
    """How many inputs the record's figure ``key`` (``flip`` or ``asr``) was read on, or None
    where the record does not say (an older record) or says nonsense."""
    n = figures.get(COUNT_KEYS.get(key, ""))
    return n if whole(n, 1) else None


def rate_interval(rate: float, n: int, level: float = LEVEL) -> tuple[float, float]:
    """The exact two-sided ``level`` interval of a share ``rate`` of ``n`` inputs (its count
    rounded back from the share, capped to 0..n)."""
    from scipy.stats import beta

    k = min(max(round(rate * n), 0), n)
    tail = (1.0 - level) / 2
    low = 0.0 if k == 0 else float(beta.ppf(tail, k, n - k + 1))
    high = 1.0 if k == n else float(beta.ppf(1.0 - tail, k + 1, n - k))
    return low, high


def reaches_bar(rate: float, n: int | None) -> tuple[float, float] | None:
    """The interval of ``rate`` of ``n`` inputs where its lower end is at or under
    :data:`~trojanscope.mitigate.run.STILL_ASR` (too few to tell a residue above the bar from
    one under it); None where it clears the bar or there is no count."""
    if not n:
        return None
    interval = rate_interval(rate, n)
    return interval if at_bar(interval) else None


def at_bar(interval: tuple[float, float]) -> bool:
    """Whether an interval's lower end is at or under
    :data:`~trojanscope.mitigate.run.STILL_ASR` (the count cannot tell the figure from it)."""
    from trojanscope.mitigate.run import STILL_ASR

    return interval[0] <= STILL_ASR


def count_words(rate: float, n: int, interval: tuple[float, float]) -> str:
    """"4 of 10, 95% interval 12.16%-73.76%": the count and the interval, for a finding."""
    k = min(max(round(rate * n), 0), n)
    return f"{k} of {n}, {LEVEL:.0%} interval {interval[0]:.2%}-{interval[1]:.2%}"
