"""Candidate T's calibration term: a model whose MM-BD classes stand no higher than its clean
twins' read as a clean model of the calibration (issue 9, stop 61).

``auto -p twins=N`` (:mod:`.image_twins`) records, for a model with a global-average-pooling
head, the median over N clean twins of each class's MM-BD ratio (``twin_ratio_<c>``). Where a
calibration file carries ``"<scorer>:twin-stand"``, the model's **stand** is read
(:func:`twin_stand`): the most any class stands above its twins' median, among the classes the
twins do not hold wide (a twins' median of at least ``wide``, 1.4: such a class stands out in
the architecture itself, MNIST's class 8 under a GAP head). At most ``guard``, nothing stands
out that the twins do not explain, and the logit is brought down to ``centre`` (the usual clean
reading of the scoring calibrator) before any raise term; above ``guard`` the reading is left
alone, and where the suspect is a class the twins hold wide, the standing class becomes the
suspect. Where the term reads a model, the centre term (:mod:`.kind_centre`: a kind's clean
reference models) does not: the twins are the model's own reference. It never raises; a run
without twins reads as before. The raise terms (frame, empty pixels, pixel probe) read
afterwards, unchanged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from trojanscope.detect.class_excess import (
    check_guard_centre,
    class_ratios,
    down_to_centre,
    lower_logit,
    per_class,
    term_entries,
)
from trojanscope.plain_numbers import finite

if TYPE_CHECKING:
    from trojanscope.detect.base import ModelVerdict
    from trojanscope.detect.calibration import Calibrator

TERM = "twin-stand"  # ``"auto:twin-stand"``, ``"auto:out-of-coverage:twin-stand"``
TWIN_RATIO = "twin_ratio_"  # + class: the twins' median MM-BD ratio for that class
TWIN_MAX = "twin_max_"  # + class: the twins' largest MM-BD ratio for that class (stop 62)
TWIN_MIN = "twin_min_"  # + class: the twins' smallest (their spread: max - min)
STATS = ("diff", "over_max", "z")  # how a class's stand is read (fitted_on.stat; stop 62)
TWIN_COUNT = "twin_count"  # twins read (0: none could be made)
TWIN_LOGIT = "twin_logit"  # the logit the term added (recorded where it lowered)
WIDE = 1.4  # a class the twins read at least this wide is the architecture's wide class


def twin_medians(features: dict[str, float]) -> list[float] | None:
    """The twins' median ratio per class, in class order (None where no twins were read)."""
    return per_class(features, TWIN_RATIO)


def twin_stand(features: dict[str, float], wide: float = WIDE, stat: str = "diff",
               floor: float = 0.0) -> float | None:
    """The most any class stands above its twins, among the classes the twins do not hold wide
    (median ratio below ``wide``: those are the architecture's); None without both readings
    of the same length (or, for ``over_max`` and ``z``, without the twins' extremes), 0.0
    where every class is wide in the twins. :func:`class_stand` says how one class stands."""
    got = standing_class(features, wide, stat, floor)
    return None if got is None else got[1]


def class_stand(ratio: float, median: float, top: float | None, low: float | None,
                stat: str, floor: float) -> float:
    """How far a class of MM-BD ratio ``ratio`` stands above its twins (median, largest and
    smallest ratio): ``diff`` (candidate T, stop 61) ``ratio - median``, in ratio units,
    which favours a naturally wide class; ``over_max`` (stop 62) ``ratio / largest``, a
    share of the most any twin read; ``z`` (stop 62) ``(ratio - median) / max(largest -
    smallest, floor)``, in units of the twins' own spread for that class."""
    if stat == "diff":
        return ratio - median
    if stat == "over_max":
        return ratio / max(top, 1e-9)
    return (ratio - median) / max(top - low, floor, 1e-9)


def standing_class(features: dict[str, float], wide: float = WIDE, stat: str = "diff",
                   floor: float = 0.0) -> tuple[int | None, float] | None:
    """(the class, its :func:`class_stand`) for the class standing most among those the twins
    do not hold wide; ``(None, 0.0)`` where there is none; None without the readings."""
    ratios, twins = class_ratios(features), twin_medians(features)
    if ratios is None or twins is None or len(ratios) != len(twins):
        return None
    tops, lows = per_class(features, TWIN_MAX), per_class(features, TWIN_MIN)
    if stat != "diff" and (tops is None or lows is None or len(tops) != len(twins)
                           or len(lows) != len(twins)):
        return None
    stands = [(class_stand(r, t, tops and tops[c], lows and lows[c], stat, floor), c)
              for c, (r, t) in enumerate(zip(ratios, twins, strict=True)) if t < wide]
    if not stands:
        return None, 0.0
    stand, cls = max(stands)
    return cls, stand


def read_by(fitted_on: dict) -> tuple[float, str, float]:
    """A term's ``wide``, ``stat`` and ``floor`` (T's where the file names none)."""
    return (float(fitted_on.get("wide", WIDE)), str(fitted_on.get("stat", "diff")),
            float(fitted_on.get("spread_floor", 0.0)))


def twin_shift(features: dict[str, float], probability: float, fitted_on: dict) -> float:
    """The logit to add (<= 0): down to ``centre`` where the model stands at most ``guard``
    above its twins and its logit is above ``centre``; 0.0 otherwise."""
    return down_to_centre(twin_stand(features, *read_by(fitted_on)), probability, fitted_on)


def reads_twins(verdict: ModelVerdict, calibrators: dict[str, Calibrator],
                scored_by: str) -> bool:
    """Whether ``"<scored_by>:twin-stand"`` reads this verdict: the file carries it and the run
    recorded twins of the model's class count. Where it does, the twins replace the centre
    term's kind reference for this model (its own architecture, not a kind's clean models)."""
    return (f"{scored_by}:{TERM}" in calibrators and verdict.probability is not None
            and twin_stand(verdict.features) is not None)


def twins_term(verdict: ModelVerdict, calibrators: dict[str, Calibrator],
               scored_by: str) -> float:
    """Apply ``"<scored_by>:twin-stand"`` in place where it lowers (recorded as ``twin_logit``);
    returns the logit added (0.0 where nothing was read)."""
    term = calibrators.get(f"{scored_by}:{TERM}")
    if term is None or verdict.probability is None:
        return 0.0
    rename(verdict, term.fitted_on)
    return lower_logit(verdict, twin_shift(verdict.features, verdict.probability,
                                           term.fitted_on), TWIN_LOGIT)


def rename(verdict: ModelVerdict, fitted_on: dict) -> None:
    """Where a class stands more than ``guard`` above the twins and the suspect is a class the
    twins hold wide (the architecture's, not a target), put the standing class first."""
    read = read_by(fitted_on)
    wide = read[0]
    got = standing_class(verdict.features, *read)
    twins = twin_medians(verdict.features)
    if got is None or got[0] is None or got[1] <= float(fitted_on["guard"]) or not twins:
        return
    top = verdict.target_classes[0] if verdict.target_classes else None
    if top is None or not 0 <= top < len(twins) or twins[top] < wide:
        return
    if got[0] in verdict.target_classes:
        verdict.target_classes.remove(got[0])
    verdict.target_classes.insert(0, got[0])


def check_twin_terms(calibrators: dict[str, Calibrator]) -> None:
    """Refuse (ValueError) a ``"…:twin-stand"`` entry the term could not read: features, a scorer
    missing from the file, a ``guard``, ``wide`` or ``spread_floor`` that is not a number
    >= 0, a ``stat`` not one of :data:`STATS` or a ``centre`` that is not a finite number."""
    for key, base, term in term_entries(calibrators, TERM):
        check_guard_centre(key, base, term, calibrators, "a twins term")
        fitted = term.fitted_on
        wide = fitted.get("wide", WIDE)
        if not (finite(wide) and wide >= 0):
            raise ValueError(f"{key!r}: fitted_on.wide must be a number >= 0, got {wide!r}")
        if fitted.get("stat", "diff") not in STATS:
            raise ValueError(f"{key!r}: fitted_on.stat must be one of {', '.join(STATS)}, got "
                             f"{fitted.get('stat')!r}")
        floor = fitted.get("spread_floor", 0.0)
        if not (finite(floor) and floor >= 0):
            raise ValueError(f"{key!r}: fitted_on.spread_floor must be a number >= 0, got "
                             f"{floor!r}")
