"""Candidate T's calibration term: a model whose MM-BD classes stand no higher than its clean
twins' read as a clean model of the calibration (issue 9, stop 61).

``auto -p twins=N`` (:mod:`.image_twins`) records, for a model with a global-average-pooling
head, the median over N clean twins of each class's MM-BD ratio (``twin_ratio_<c>``). Where a
calibration file carries ``"<scorer>:twins"``, the most any class of the model stands above its
twins' median (:func:`twin_stand`) is read: at most ``guard``, the model's MM-BD profile —
a naturally wide class included — is what its architecture shows on this clean file, and its
logit is brought down to ``centre`` (the usual clean reading of the scoring calibrator), before
any raise term; above ``guard``, some class stands out that the twins do not explain, and the
reading is left alone. Where it reads a model, the centre term (:mod:`.kind_centre`: a kind's
clean reference models) does not: the twins are the model's own reference. It never raises
and never renames the suspect; a run without twins reads as before. The raise terms (frame,
empty pixels, pixel probe) read afterwards, unchanged.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from trojanscope.detect.class_excess import class_ratios, lower_logit, term_entries

if TYPE_CHECKING:
    from trojanscope.detect.base import ModelVerdict
    from trojanscope.detect.calibration import Calibrator

TERM = "twins"  # ``"auto:twins"``, ``"auto:out-of-coverage:twins"``
TWIN_RATIO = "twin_ratio_"  # + class: the twins' median MM-BD ratio for that class
TWIN_COUNT = "twin_count"  # twins read (0: none could be made)
TWIN_LOGIT = "twin_logit"  # the logit the term added (recorded where it lowered)


def twin_medians(features: dict[str, float]) -> list[float] | None:
    """The twins' median ratio per class, in class order (None where no twins were read)."""
    out = []
    while f"{TWIN_RATIO}{len(out)}" in features:
        out.append(float(features[f"{TWIN_RATIO}{len(out)}"]))
    return out if len(out) >= 2 else None


def twin_stand(features: dict[str, float]) -> float | None:
    """The most any class's MM-BD ratio stands above its twins' median (None without both
    readings of the same length)."""
    ratios, twins = class_ratios(features), twin_medians(features)
    if ratios is None or twins is None or len(ratios) != len(twins):
        return None
    return max(r - t for r, t in zip(ratios, twins, strict=True))


def twin_shift(features: dict[str, float], probability: float, fitted_on: dict) -> float:
    """The logit to add (<= 0): down to ``centre`` where the model stands at most ``guard``
    above its twins and its logit is above ``centre``; 0.0 otherwise."""
    stand = twin_stand(features)
    if stand is None or stand > float(fitted_on["guard"]):
        return 0.0
    p = min(max(probability, 1e-12), 1 - 1e-12)
    over = math.log(p / (1 - p)) - float(fitted_on["centre"])
    return -over if over > 0 else 0.0


def reads_twins(verdict: ModelVerdict, calibrators: dict[str, Calibrator],
                scored_by: str) -> bool:
    """Whether ``"<scored_by>:twins"`` reads this verdict: the file carries it and the run
    recorded twins of the model's class count. Where it does, the twins replace the centre
    term's kind reference for this model (its own architecture, not a kind's clean models)."""
    return (f"{scored_by}:{TERM}" in calibrators and verdict.probability is not None
            and twin_stand(verdict.features) is not None)


def twins_term(verdict: ModelVerdict, calibrators: dict[str, Calibrator],
               scored_by: str) -> float:
    """Apply ``"<scored_by>:twins"`` in place where it lowers (recorded as ``twin_logit``);
    returns the logit added (0.0 where nothing was read)."""
    term = calibrators.get(f"{scored_by}:{TERM}")
    if term is None or verdict.probability is None:
        return 0.0
    return lower_logit(verdict, twin_shift(verdict.features, verdict.probability,
                                           term.fitted_on), TWIN_LOGIT)


def check_twin_terms(calibrators: dict[str, Calibrator]) -> None:
    """Refuse (ValueError) a ``"…:twins"`` entry the term could not read: features, a scorer
    missing from the file, a ``guard`` that is not a number >= 0 or a ``centre`` that is not a
    finite number."""
    def number(x: object) -> bool:
        return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)

    for key, base, term in term_entries(calibrators, TERM):
        if term.features:
            raise ValueError(f"{key!r}: a twins term reads no features, got {term.features}")
        if base not in calibrators:
            raise ValueError(f"{key!r}: no calibrator {base!r} in this file to correct")
        fitted = term.fitted_on
        if not (number(fitted.get("guard")) and fitted["guard"] >= 0):
            raise ValueError(f"{key!r}: fitted_on.guard must be a number >= 0, got "
                             f"{fitted.get('guard')!r}")
        if not number(fitted.get("centre")):
            raise ValueError(f"{key!r}: fitted_on.centre must be a number, got "
                             f"{fitted.get('centre')!r}")
