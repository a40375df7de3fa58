"""The scoring calibrator's reading brought back to a usual clean reading for a kind whose clean
models it reads high (issue 9, stop 59).

On models from a third maker (``benchmarks/outside_zoo.py``, seed 9200) every clean CNN with
BatchNorm, GELU and a global-average-pooling head read p 0.73-0.995: MM-BD's class 8 stands at
2.2-3.3 times the median class in every clean model of that kind (1.5 in BatchNorm CNNs, about
1.0 elsewhere) and the universal perturbation reaches some class easily, so the calibrator's
own features, not a raise term, carry the logit. This term reads a reference fitted on clean
models (``benchmarks/kind_centre_fit.py``, written into the calibration file's
``"<scorer>:centre"`` entry): per kind — the sorted traits, the input size and the class count,
as :func:`.class_excess.kind_key` — the number of clean models and the median of the scoring
calibrator's logit over them (after the lower and excess terms, before any raise). Where that
median stands more than ``start`` logits above ``centre`` (the usual clean reading: the median
over every clean reference model), every model of the kind has its logit lowered by the whole
difference, at most ``most`` logits, before any raise term; it never raises. A kind read within
``start`` of the centre is left alone: the term is for kinds the calibrator reads far off, not
a refit of every kind. A kind with fewer than ``min_clean`` clean
reference models, a run without the per-class ratios, or a file without the entry reads as
before.

Stop 60, opt-in (its rule was not met on fresh outside seed 9202): with ``fitted_on.nearest``
(a trait), a kind with **no** reference entry at all that carries that trait
(``pool:global_avg``: the global-pooling head) is read against the nearest reference kind of
the same input size and class count that carries it too and has at least ``min_clean`` clean
models — the most traits shared, then the fewest differing, then the key's order — so a
GAP-head CNN of a trait set no reference holds falls back to the GAP kind the reference does
hold (the guard reads that kind's per-class medians). A kind with an entry of its own, however
few its models, is read as before.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from trojanscope.detect.class_excess import (
    class_ratios,
    kind_key,
    lower_logit,
    term_entries,
)
from trojanscope.detect.coverage import KNOWN_TRAITS
from trojanscope.plain_numbers import finite, whole

if TYPE_CHECKING:
    from trojanscope.detect.base import ModelVerdict
    from trojanscope.detect.calibration import Calibrator

TERM = "centre"  # key suffix: ``"auto:centre"``, ``"auto:out-of-coverage:centre"``
CENTRE_LOGIT = "centre_logit"  # the logit the term added (recorded where it lowered)
MIN_CLEAN = 4


def kind_shift(features: dict[str, float], traits: list[str], fitted_on: dict) -> float:
    """The logit to add (<= 0) for a model of this kind under the entry's ``fitted_on``; 0.0
    where the kind has no reference of at least ``min_clean`` clean models or reads no more
    than ``start`` above ``centre``."""
    entry = reference_entry(features, traits, fitted_on)
    if not isinstance(entry, dict):
        return 0.0
    if int(entry.get("n_clean", 0)) < int(fitted_on.get("min_clean", MIN_CLEAN)):
        return 0.0
    over = float(entry["logit"]) - float(fitted_on.get("centre", 0.0))
    if over <= float(fitted_on.get("start", 0.0)):
        return 0.0
    if fitted_on.get("guard") is not None and class_stand(features, entry) > float(
            fitted_on["guard"]):
        return 0.0
    return -min(float(fitted_on.get("most", math.inf)), over)


def reference_entry(features: dict[str, float], traits: list[str],
                    fitted_on: dict) -> dict | None:
    """The reference entry the model is read against: its own kind's, or — where the reference
    holds no entry for its kind and ``fitted_on.nearest`` names a trait the model carries — the
    nearest kind's (:func:`nearest_kind`); None where there is neither."""
    key = kind_key(features, traits)
    reference = fitted_on.get("reference") or {}
    if key is None:
        return None
    if key in reference:
        return reference[key]
    head = fitted_on.get("nearest")
    if head is None or head not in traits:
        return None
    near = nearest_kind(key, head, reference, int(fitted_on.get("min_clean", MIN_CLEAN)))
    return None if near is None else reference[near]


def nearest_kind(key: str, head: str, reference: dict, min_clean: int) -> str | None:
    """Among the reference kinds of ``key``'s input size and class count that carry the trait
    ``head`` and hold at least ``min_clean`` clean models, the one sharing the most traits with
    ``key`` (then the fewest differing, then the first key in order); None where none does."""
    shape, _, joined = key.partition(":")
    mine = set(joined.split("+")) if joined else set()
    best = None
    for other in sorted(reference):
        o_shape, _, o_joined = other.partition(":")
        theirs = set(o_joined.split("+")) if o_joined else set()
        if (o_shape != shape or head not in theirs
                or int(reference[other].get("n_clean", 0)) < min_clean):
            continue
        rank = (-len(mine & theirs), len(mine ^ theirs))
        if best is None or rank < best[0]:
            best = (rank, other)
    return None if best is None else best[1]


def class_stand(features: dict[str, float], entry: dict) -> float:
    """The most any class's MM-BD ratio stands above the kind's clean median for that class
    (``inf`` where the reference holds no medians of the run's length: no lowering)."""
    ratios = class_ratios(features) or []
    median = entry.get("median") or []
    if not ratios or len(median) != len(ratios):
        return math.inf
    return max(r - float(m) for r, m in zip(ratios, median, strict=True))


def centre_term(verdict: ModelVerdict, calibrators: dict[str, Calibrator],
                scored_by: str) -> float:
    """Apply ``"<scored_by>:centre"`` in place where it lowers (recorded as ``centre_logit``);
    returns the logit added (0.0 where nothing was read)."""
    term = calibrators.get(f"{scored_by}:{TERM}")
    if term is None or verdict.probability is None:
        return 0.0
    return lower_logit(verdict, kind_shift(verdict.features, verdict.traits, term.fitted_on),
                       CENTRE_LOGIT)


def check_centre_terms(calibrators: dict[str, Calibrator]) -> None:
    """Refuse (ValueError) a ``"…:centre"`` entry the term could not read: features, a scorer
    missing from the file, a reference that is not a map of kinds to ``{"n_clean": N,
    "logit": x}`` (plus ``"median": [ratios]`` with a ``guard``), a ``guard`` or ``start`` that
    is not a number >= 0, a ``nearest`` that names no trait the readers report, a ``centre``
    that is not a finite number, a ``most`` that is not a number > 0 or a ``min_clean`` that
    is not a whole number >= 1."""
    for key, base, term in term_entries(calibrators, TERM):
        if term.features:
            raise ValueError(f"{key!r}: a centre term reads no features, got {term.features}")
        if base not in calibrators:
            raise ValueError(f"{key!r}: no calibrator {base!r} in this file to correct")
        fitted = term.fitted_on
        reference = fitted.get("reference")
        if not isinstance(reference, dict) or not all(
                isinstance(v, dict) and finite(v.get("logit"))
                and isinstance(v.get("n_clean"), int) and not isinstance(v["n_clean"], bool)
                for v in reference.values()):
            raise ValueError(f"{key!r}: fitted_on.reference must map kinds to "
                             "{\"n_clean\": N, \"logit\": x}")
        guard = fitted.get("guard")
        if guard is not None and not (finite(guard) and guard >= 0):
            raise ValueError(f"{key!r}: fitted_on.guard must be a number >= 0, got {guard!r}")
        if guard is not None and not all(
                isinstance(v.get("median"), list) and all(finite(x) for x in v["median"])
                for v in reference.values()):
            raise ValueError(f"{key!r}: with a guard, every reference kind needs its per-class "
                             "\"median\" ratios")
        if not finite(fitted.get("centre")):
            raise ValueError(f"{key!r}: fitted_on.centre must be a number, got "
                             f"{fitted.get('centre')!r}")
        nearest = fitted.get("nearest")
        if nearest is not None and nearest not in KNOWN_TRAITS:
            raise ValueError(f"{key!r}: fitted_on.nearest must name a trait, got {nearest!r}")
        start = fitted.get("start", 0.0)
        if not (finite(start) and start >= 0):
            raise ValueError(f"{key!r}: fitted_on.start must be a number >= 0, got {start!r}")
        most = fitted.get("most", math.inf)
        if most != math.inf and not (finite(most) and most > 0):
            raise ValueError(f"{key!r}: fitted_on.most must be a number > 0, got {most!r}")
        min_clean = fitted.get("min_clean", MIN_CLEAN)
        if not whole(min_clean, 1):
            raise ValueError(f"{key!r}: fitted_on.min_clean must be a whole number >= 1, got "
                             f"{min_clean!r}")
