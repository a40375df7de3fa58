"""The whole-image blend probe at half its opacity, and a raise term that reads it (issue 9,
stop 77: h9g).

The third probe (:mod:`.blend_probe`) blends a pattern optimised per class into clean inputs at
opacity 0.1. A clean GAP head with BatchNorm answers that much of any pattern with its own sink
class (0 or 8 on MNIST: a global brightness change moves every normalised channel), so a noise
blend or lowpass backdoor aimed there, or elsewhere, reads no different from the clean heads of
its kind and every calibration file misses some (stop 76's fresh 9219 ``gap_leaky_bn-bd01``,
``gap_cls_relu-bd00``; 9618 ``dws_gap-bd04``). At opacity 0.05 the clean heads' sink answers far
less often, while a head trained on a whole-image trigger still answers a pattern that carries
it. This module records, on a model with a GAP head read on clean images,

* ``blend_low_share_<c>``: the held-out share of other-class clean inputs class ``c``'s own
  optimised blend at opacity :data:`LOW_ALPHA` sends to ``c`` (the same search, inputs and seed
  as the third probe; only the opacity differs),

and, where a calibration file carries ``"<scorer>:blend-low"``, raises: where the top class's
share leads the second's by at least the bar, that class is named first (the class named before
recorded as ``low_unnamed_class``, so a stored report re-scores as its run read it) and a
probability under the verdict's flag is raised to the flag and no further (``blend_low_logit``).
The bar is ``fitted_on.kinds``' entry for the model's trait set (``blend_sink.trait_kind``)
where it holds at least ``min_clean`` clean heads, else ``fitted_on.lead``: each the largest
lead a spent clean GAP head of that trait set (of any) reached, plus a margin. Clean residual
heads with BatchNorm lead at a sink class by up to 0.6 where ReLU heads with max pooling stay
under 0.27, so one bar for all would read neither kind well. The share alone is not read: some
clean heads' blends reach a class broadly and a second one nearly as far. It never lowers, and
a run without the readings is read as without the term. SIG's sinusoid is no blend: the probe
does not read it (stop 77's spent SIG backdoors at 0.0 and 0.13 where today misses them).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import torch

from trojanscope.detect.blend_probe import blend_shares
from trojanscope.detect.blend_sink import GAP_HEAD as GAP_TRAIT  # the head it reads
from trojanscope.detect.blend_sink import trait_kind
from trojanscope.detect.class_excess import checked_entries, per_class
from trojanscope.detect.logits import logit, sigmoid
from trojanscope.plain_numbers import finite, whole

if TYPE_CHECKING:
    from trojanscope.detect.base import InspectionTarget, ModelVerdict
    from trojanscope.detect.calibration import Calibrator

TERM = "blend-low"  # "auto:blend-low", "auto:out-of-coverage:blend-low"
LOW_SHARE = "blend_low_share_"  # + class: the held-out share its low-opacity blend sends there
LOW_LOGIT = "blend_low_logit"  # the logit the term added (where it raised)
LOW_UNNAMED = "low_unnamed_class"  # the class named first before the term named its own
LOW_ALPHA = 0.05  # half the third probe's opacity
BEYOND = "beyond"  # fitted_on key of a share-lead entry: logits per unit of lead over the bar
# by which the raise goes past the flag (stop 81, h9sig); absent: to the flag and no further
PAST = "_past"  # + a term's logit key: the logits its raise went past the flag (stop 81)


def low_reading(target: InspectionTarget, seed: int) -> dict[str, float]:
    """``blend_low_share_<c>`` for every class of a model with a GAP head read on clean
    images (inputs drawn seeded ``seed``, as the third probe draws them); nothing otherwise."""
    from trojanscope.detect.coverage import architecture_traits

    if (target.clean is None or len(target.input_shape) != 3
            or GAP_TRAIT not in architecture_traits(target.model)):
        return {}
    shares = blend_shares(target, torch.Generator().manual_seed(seed), alpha=LOW_ALPHA)
    return {f"{LOW_SHARE}{c}": round(float(s), 6) for c, s in enumerate(shares)}


def share_lead(features: dict[str, float], prefix: str) -> tuple[int, float, float] | None:
    """The top class of a probe's per-class shares (``<prefix><class>``), its share and its
    lead over the second (None without the readings); ties go to the lower class."""
    shares = per_class(features, prefix)
    if shares is None:
        return None
    order = sorted(range(len(shares)), key=lambda c: (-shares[c], c))
    return order[0], shares[order[0]], shares[order[0]] - shares[order[1]]


def low_lead(features: dict[str, float]) -> tuple[int, float, float] | None:
    """:func:`share_lead` of the low-opacity blends."""
    return share_lead(features, LOW_SHARE)


def low_bar(features: dict[str, float], traits: list[str], fitted: dict) -> float:
    """The lead the term asks of this model: its trait set's entry (at least ``min_clean``
    clean heads), else the term's own ``lead``."""
    key = trait_kind(features, traits)
    entry = (fitted.get("kinds") or {}).get(key) if key is not None else None
    if isinstance(entry, dict) and int(entry["n_clean"]) >= int(fitted.get("min_clean", 1)):
        return float(entry["lead"])
    return float(fitted["lead"])


def share_excess(verdict: ModelVerdict, calibrators: dict[str, Calibrator], key: str,
                 read: Callable[[dict[str, float]], tuple[int, float, float] | None]
                 ) -> float | None:
    """How far ``read``'s top class leads beyond the bar (:func:`low_bar`) of the entry
    ``key``, on a verdict with a probability: 0 or more where :func:`share_raise` acts, None
    where it does not (no entry, no reading, a lead under the bar)."""
    term = calibrators.get(key)
    got = None if term is None else read(verdict.features)
    if got is None or verdict.probability is None:
        return None
    bar = low_bar(verdict.features, verdict.traits, term.fitted_on)
    return got[2] - bar if got[2] >= bar else None


def share_beyond(verdict: ModelVerdict, calibrators: dict[str, Calibrator], key: str,
                 read: Callable[[dict[str, float]], tuple[int, float, float] | None]) -> bool:
    """Whether the entry ``key`` is in the file and ``read``'s top class leads by at least the
    bar (:func:`low_bar`) on a verdict with a probability: where :func:`share_raise` acts."""
    return share_excess(verdict, calibrators, key, read) is not None


def share_raise(verdict: ModelVerdict, calibrators: dict[str, Calibrator], key: str,
                read: Callable[[dict[str, float]], tuple[int, float, float] | None],
                logit_key: str, unnamed_key: str) -> float:
    """The raise of a share-lead term (``blend-low``; ``sig``, stop 78) in place: where the
    entry ``key`` is in the file and ``read``'s top class leads by at least the bar
    (:func:`low_bar`), that class is named first (the class named before kept at
    ``unnamed_key``) and a probability under the flag is raised to it (``logit_key``: the
    logit added, returned; 0.0 where nothing was raised). An entry with ``fitted_on.beyond``
    (logits per unit of lead over the bar, stop 81) raises further: to the flag's logit plus
    ``beyond`` times the lead over the bar, a probability above the flag too, never down."""
    excess = share_excess(verdict, calibrators, key, read)
    if excess is None:
        return 0.0
    cls = read(verdict.features)[0]
    if verdict.target_classes and verdict.target_classes[0] != cls:
        verdict.features[unnamed_key] = float(verdict.target_classes[0])
        if cls in verdict.target_classes:
            verdict.target_classes.remove(cls)
        verdict.target_classes.insert(0, cls)
    slope = float(calibrators[key].fitted_on.get(BEYOND, 0.0))
    goal = logit(float(verdict.threshold)) + slope * excess
    if logit(verdict.probability) >= goal:
        return 0.0
    lift = goal - logit(verdict.probability)
    verdict.probability = sigmoid(goal) if slope * excess > 0 else float(verdict.threshold)
    verdict.features[logit_key] = float(lift)
    if slope * excess > 0:
        verdict.features[logit_key + PAST] = float(min(lift, slope * excess))
    return lift


def low_term(verdict: ModelVerdict, calibrators: dict[str, Calibrator], scored_by: str) -> float:
    """Apply ``"<scored_by>:blend-low"`` in place where it reads (module docstring); returns
    the logit added (0.0 where it raised nothing)."""
    return share_raise(verdict, calibrators, f"{scored_by}:{TERM}", low_lead, LOW_LOGIT,
                       LOW_UNNAMED)


def share_note(features: dict[str, float],
               read: Callable[[dict[str, float]], tuple[int, float, float] | None],
               logit_key: str, unnamed_key: str, said: Callable[[int, float, float], str]
               ) -> str | None:
    """A share-lead term's one line where it raised or renamed (None otherwise): ``said(cls,
    share, lead)`` and what the term did."""
    got = read(features)
    if got is None or (logit_key not in features and unnamed_key not in features):
        return None
    line = said(*got)
    if logit_key in features and logit_key + PAST in features:
        line += (f": probability raised by {features[logit_key]:.2f} logits, "
                 f"{features[logit_key + PAST]:.2f} of them past the flag (the lead over the "
                 "bar)")
    elif logit_key in features:
        line += f": probability raised by {features[logit_key]:.2f} logits to the flag"
    if unnamed_key in features:
        line += f"; class {got[0]} named before class {int(features[unnamed_key])}"
    return line


def low_note(features: dict[str, float]) -> str | None:
    """One line where the term raised or renamed (None otherwise)."""
    return share_note(features, low_lead, LOW_LOGIT, LOW_UNNAMED, lambda cls, share, lead: (
        f"whole-image blends at opacity {LOW_ALPHA:g} send {share:.0%} of other classes' "
        f"clean inputs to class {cls} (lead {lead:.2f}), beyond every clean GAP head "
        "of its kind the term was set on"))


def check_share_terms(calibrators: dict[str, Calibrator], term: str) -> None:
    """Refuse (ValueError) a ``"…:<term>"`` share-lead entry the raise could not read:
    features, no scorer in the file to correct, a ``lead`` that is not a number in [0, 1],
    ``kinds`` that do not map trait sets to ``{"n_clean": N, "lead": number in [0, 1]}``, a
    ``min_clean`` that is not a whole number >= 1, a ``beyond`` that is not a number >= 0."""
    def bar(value: object) -> bool:
        return finite(value) and 0.0 <= float(value) <= 1.0

    for key, _, entry in checked_entries(calibrators, term, term):
        fitted = entry.fitted_on
        if not bar(fitted.get("lead")):
            raise ValueError(f"{key!r}: fitted_on.lead must be a number in [0, 1], got "
                             f"{fitted.get('lead')!r}")
        kinds = fitted.get("kinds", {})
        if not isinstance(kinds, dict) or not all(
                isinstance(e, dict) and isinstance(e.get("n_clean"), int)
                and not isinstance(e["n_clean"], bool) and bar(e.get("lead"))
                for e in kinds.values()):
            raise ValueError(f"{key!r}: fitted_on.kinds must map trait sets to "
                             "{\"n_clean\": N, \"lead\": a number in [0, 1]}")
        min_clean = fitted.get("min_clean", 1)
        if not whole(min_clean, 1):
            raise ValueError(f"{key!r}: fitted_on.min_clean must be a whole number >= 1, got "
                             f"{min_clean!r}")
        slope = fitted.get(BEYOND, 0.0)
        if not finite(slope) or float(slope) < 0:
            raise ValueError(f"{key!r}: fitted_on.{BEYOND} must be a number >= 0 (logits per "
                             f"unit of lead over the bar), got {slope!r}")


def check_low_terms(calibrators: dict[str, Calibrator]) -> None:
    """:func:`check_share_terms` for ``"…:blend-low"`` entries."""
    check_share_terms(calibrators, TERM)
