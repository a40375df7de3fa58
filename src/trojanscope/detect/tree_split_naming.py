"""Naming a tree's suspected trigger by its split ranges against a clean reference's
(issue 16 stop 82, h16n: candidate S82, ``name_splits``).

Since stop 81 a tree's trigger line is led by the categories that turn the suspect beyond a
clean tree of its kind trained on the user's file (:mod:`.tabular_contrast_naming`); its numbers
are still the greedy's, narrow bands between two of the suspect's thresholds, and a clean tree
of the same rows often cuts the very same band: an ordinary band of the table, not the
trigger's. Here the reference's thresholds are read beside the suspect's:

- a number on the line whose band the reference cuts alike (the same two thresholds around
  the value, or one of its own inside the band) and that turns the suspect no more than the
  reference is dropped;
- the free places go to the numeric candidates, one a column, whose band the reference does
  not cut alike and whose rise on the searched rows stands above the reference's
  (:func:`.tabular_excess.combo_excess`), largest first;
- a category the greedy named that turns the reference more than the suspect (by at least
  ``REPICK_MARGIN`` of the class's mean probability) is replaced by the category of its
  column that turns the suspect most beyond the reference, where one does.

The words change only: the verdict's features, probability and order are the search's.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from typing import Any

from torch import Tensor, nn

from trojanscope.detect.tabular_excess import combo_excess

SAME_CUT = 1e-6  # two thresholds (encoded units) this close are one cut
# a greedy category whose rise in the reference exceeds the suspect's by this much (mean
# probability of the class on the searched rows) gives way to its column's strongest; at 0 two
# planted categories of 28 were replaced on spent runs (issue 16 stop 82 development)
REPICK_MARGIN = 0.02


def band_of(cuts: Sequence[float], value: float) -> tuple[float | None, float | None]:
    """The nearest threshold below ``value`` and the nearest above (None: none that side) in
    ``cuts``, sorted and without repeats."""
    i, j = bisect_left(cuts, value), bisect_right(cuts, value)
    return (cuts[i - 1] if i else None, cuts[j] if j < len(cuts) else None)


def _key(c: Any) -> tuple:
    """A candidate's identity (candidates are not hashable): its column, words and values."""
    return (c.column, c.said, tuple(c.vals))


def _same(a: float | None, b: float | None) -> bool:
    return (a is None and b is None) or (
        a is not None and b is not None and abs(a - b) < SAME_CUT)


def cut_alike(own: Sequence[float], ref: Sequence[float], value: float) -> bool:
    """Whether a tree with thresholds ``ref`` isolates the band around ``value`` as a tree
    with thresholds ``own`` does: the same two thresholds around it, or one inside it (both
    sorted, without repeats)."""
    lo, hi = band_of(own, value)
    first = bisect_right(ref, lo + SAME_CUT) if lo is not None else 0
    if first < len(ref) and (hi is None or ref[first] < hi - SAME_CUT):
        return True  # a reference threshold inside the band
    rlo, rhi = band_of(ref, value)
    return _same(lo, rlo) and _same(hi, rhi)


def thresholds(model: Any) -> dict[int, list[float]]:
    """Per feature, the model's split thresholds sorted, without repeats."""
    return {f: sorted(set(map(float, cuts))) for f, cuts in model.split_points().items()}


def named_by_splits(model: nn.Module, ref: nn.Module, x: Tensor, t: int,
                    candidates: Sequence[Any], line: Sequence[Any], greedy: Sequence[Any],
                    steps: int) -> list[Any]:
    """``line`` (the contrast's, led by categories) with its numbers read against ``ref``'s
    thresholds and its free places filled by bands ``ref`` does not cut alike, ``steps``
    values at most; ``greedy``: the search's own line, whose categories may be replaced.
    ``line`` as it is where either model holds no thresholds (a reference of another kind)."""
    if not (hasattr(model, "split_points") and hasattr(ref, "split_points")) or len(x) == 0:
        return list(line)
    own, theirs = thresholds(model), thresholds(ref)

    def alike(c: Any) -> bool:
        return cut_alike(own.get(c.cols[0], []), theirs.get(c.cols[0], []), float(c.vals[0]))

    named_cats = [c for c in line if not c.numeric and c in greedy]
    columns = {c.column for c in named_cats}
    kept = {_key(c) for c in line}
    pool = [c for c in candidates if (c.numeric and (_key(c) in kept or not alike(c)))
            or (not c.numeric and c.column in columns)]
    excess = dict(zip(map(_key, pool), combo_excess(model, ref, x, t, [[c] for c in pool])
                      if pool else [], strict=True))
    out: list[Any] = []
    for c in line:
        if c.numeric:
            continue
        if c in named_cats and excess[_key(c)] <= -REPICK_MARGIN:
            best = max((d for d in pool if not d.numeric and d.column == c.column),
                       key=lambda d: excess[_key(d)])
            c = best if excess[_key(best)] > 0 else c
        out.append(c)
    out += [c for c in line if c.numeric and (excess.get(_key(c), 0.0) > 0 or not alike(c))]
    used = {c.column for c in out}
    for c in sorted((c for c in pool if c.numeric and excess[_key(c)] > 0 and not alike(c)),
                    key=lambda c: -excess[_key(c)]):
        if len(out) >= steps:
            break
        if c.column not in used:
            out.append(c)
            used.add(c.column)
    return out[:max(steps, sum(1 for c in out if not c.numeric))]
