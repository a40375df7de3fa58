"""A lower-only term on a LightGBM tree's 200-row probability where the file misses the model's
leaf groups more than a typical file does (issue 16 stop 81, h16: the lower-only G80).

The 200-row file a LightGBM is read with moves every clean model of a zoo up or down together
(stop 79's *file effect*). Stop 80 read it from the model's own leaves: ``h``, the log of the
majority class's mean leaf-group deficit on the file (``log(expm1(tab_major_group) /
expm1(tab_major_group_rel))``, two features every tree reading records), follows it. A shift
both ways (G80) raised clean readings on cool files on a fresh zoo; this term only lowers:
``"<family>:group-heat"`` is a one-feature calibrator reading ``tab_group_heat`` (``h``, raw),
coefficient ``beta`` > 0 and intercept ``-beta * h0``, and adds ``-max(0, its linear score)``
logits (at most ``fitted_on["most"]`` where given), so a file at or under ``h0`` changes
nothing and no reading is raised. Read only where the file's smaller class holds
``fitted_on["min_share"]`` of its rows (as the flip term), keyed by the verdict's family (as the
gap term). Recorded as ``group_heat_logit`` and ``probability_before_group_heat``.

Since issue 16 stop 82 (h16) the term may read ``tab_group_heat_out`` instead (its one feature
says which): the same heat on the leaf groups that hold none of the majority class's five most
recurring bounds (a suspected trigger's; :func:`.tree_mass.heat_left_out`), which every tree
reading records. A reading without it is not lowered.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from trojanscope.detect.tabular_gap_raise import (
    check_terms,
    lower_recorded,
    lowered_by,
    lowered_note,
    share_read,
)

if TYPE_CHECKING:
    from trojanscope.detect.base import ModelVerdict
    from trojanscope.detect.calibration import Calibrator

TERM = "group-heat"  # key suffix: ``"tabular-search:tree:lightgbm:rows200:group-heat"``
FEATURE = "tab_group_heat"
HEAT_OUT_FEATURE = "tab_group_heat_out"  # the heat without a suspected trigger's groups (s82)
SOURCES = ("tab_major_group", "tab_major_group_rel")  # log1p of the deficit and its ratio
HEAT_LOGIT = "group_heat_logit"
HEAT_BEFORE = "probability_before_group_heat"


def group_heat(features: dict[str, float]) -> float | None:
    """``h``: ``tab_group_heat`` where recorded, else derived from the two group features
    (``log(expm1(group) / expm1(group_rel))``, each floored at 1e-9); None where either is
    missing or not finite."""
    if FEATURE in features:
        value = float(features[FEATURE])
        return value if math.isfinite(value) else None
    values = [features.get(name) for name in SOURCES]
    if any(v is None or not math.isfinite(float(v)) for v in values):
        return None
    group, rel = (max(math.expm1(float(v)), 1e-9) for v in values)
    return math.log(group / rel)


def term_heat(term: Calibrator, features: dict[str, float]) -> float | None:
    """The heat ``term`` reads: ``h`` (:func:`group_heat`), or ``tab_group_heat_out`` where
    that is its feature (None where not recorded or not finite)."""
    if term.features != [HEAT_OUT_FEATURE]:
        return group_heat(features)
    value = features.get(HEAT_OUT_FEATURE)
    return float(value) if value is not None and math.isfinite(float(value)) else None


def heat_drop(term: Calibrator, features: dict[str, float]) -> float:
    """The logit the term adds (<= 0): minus its linear score on ``h`` where positive, at most
    ``fitted_on["most"]``; 0.0 where ``h`` cannot be read or the file's smaller class is under
    ``min_share``."""
    heat = term_heat(term, features)
    if heat is None or not share_read(term, features):
        return 0.0
    score = term.logit({**features, term.features[0]: heat})
    return -min(float(term.fitted_on.get("most", math.inf)), max(0.0, score))


def heated_probability(key: str, calibrators: dict[str, Calibrator],
                       features: dict[str, float], probability: float) -> float:
    """``probability`` lowered by ``"<key>:group-heat"`` where the file has it (benchmarks that
    rescore readings without building a verdict)."""
    return lowered_by(calibrators, key, TERM, lambda t: heat_drop(t, features), probability)


def heat_lower(verdict: ModelVerdict, calibrators: dict[str, Calibrator], key: str) -> float:
    """Apply ``"<key>:group-heat"`` in place where it lowers (recorded as ``group_heat_logit``
    and ``probability_before_group_heat``); returns the logit added (0.0 where nothing
    changed)."""
    return lower_recorded(verdict, calibrators, key, TERM,
                          lambda t: heat_drop(t, verdict.features), HEAT_BEFORE, HEAT_LOGIT)


def heat_note(features: dict[str, float]) -> str | None:
    """The sentence saying the term lowered the probability (None where it did not)."""
    return lowered_note(features, HEAT_BEFORE, HEAT_LOGIT,
                        "this file misses the tree's leaf groups more than a typical file of "
                        "its size, which raises clean trees too (the calibration's group-heat "
                        "term)")


def check_heat_terms(calibrators: dict[str, Calibrator]) -> None:
    """Refuse (ValueError) a ``"…:group-heat"`` entry the term could not read: a feature other
    than ``tab_group_heat`` or ``tab_group_heat_out``, a mean, scale or transform, a
    coefficient not > 0, no calibrator of the file to lower, a ``min_share`` or ``most`` out
    of range."""
    check_terms(calibrators, TERM, "group-heat",
                lambda f: f in ([FEATURE], [HEAT_OUT_FEATURE]),
                f"[{FEATURE!r}] or [{HEAT_OUT_FEATURE!r}]", "lower")
