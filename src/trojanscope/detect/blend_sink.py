"""The blends' class read against where clean heads of the kind send blends (issue 9, stop 75).

Clean GAP-head CNNs with BatchNorm send half-and-half blends of clean images to one or two
classes of their own (on MNIST class 0 in about half of 173 clean development heads, class 8 in
most of the rest). Where such a head's MM-BD margins lean to another class (its naturally wide
class 8) and the trigger search and universal probe read it as an outlier there, the
out-of-coverage scorer's own logit flags it while the blends name their sink class (issue 9,
stop 74: 9615 ``dws_gap-cl00`` at 0.997, 9616 ``res_gap-cl07``/``-cl09``/``-cl10``), and no
named-check key reaches it. A backdoor's blends reach its target; a target that is no sink of
the kind's clean heads keeps its reading.

This term reads, for a verdict scored by the calibrator it corrects (``"<scorer>:blend-sink"``):

* the named class is not MM-BD's top class (the probability's evidence points elsewhere),
* the blends' own top class is the named class,
* that class is a sink of the kind: at least ``share`` of the reference's clean heads of the
  kind (input size, class count, normalisation traits, a global-average-pooled head) send
  their blends there most, over at least ``min_clean`` such heads,
* each ``guard`` feature recorded and at most its bound (the universal probe's own outlier
  reading, ``uap_anomaly``: a backdoor aimed at a sink class read as an outlier there keeps),

and where all hold brings the logit down to ``to`` (never up), before any raise term, recorded
as ``sink_logit``. A run without blend shares or MM-BD's per-class ratios is not read.
The reference is fitted by ``benchmarks/outside_blend_sink.py`` on stored clean runs.

Stop 76 (opt-in by the reference's keys): a reference may also hold an entry for the model's
whole trait set (:func:`trait_kind`: activation and pooling too); where it does, over at least
``min_clean`` heads, its share is read instead of the kind's. Clean ReLU GAP heads with BatchNorm
and max pooling (``gap_cls_relu``) send blends to class 0 in 7 of 36 spent heads (0.19) against
0.46 over the kind, and both spent sink-aimed backdoors the term lowered with nothing else
reading them were such heads aimed at 0 (issue 9, stop 76). A trait set with fewer clean heads
(a new activation) reads the kind's share, as before.

Stop 77 (opt-in by the key ``only``): ``fitted_on.only``, a list of trait sets
(:func:`trait_kind` keys), narrows the term to heads of those sets; every other head is not
read (a new activation included). Over every spent GAP run (held out by population) the term's
clean heads cleared and backdoors lost part by trait set: hardtanh BatchNorm heads cleared one
and lost one, ReLU / max-pool heads none either way, while GELU, SiLU and hardswish heads held
every clearance and no loss (issue 9, stop 77).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from trojanscope.detect.class_excess import (
    INPUT_SIZE,
    checked_entries,
    class_ratios,
    guarded,
    lower_logit,
    lowered_by,
    per_class,
    top_of,
)
from trojanscope.detect.logits import logit
from trojanscope.plain_numbers import finite, whole

if TYPE_CHECKING:
    from trojanscope.detect.base import ModelVerdict
    from trojanscope.detect.calibration import Calibrator

TERM = "blend-sink"  # ``"auto:out-of-coverage:blend-sink"``
BLEND = "blend_share_"  # + class: the share of clean blends the model sends there
SINK_LOGIT = "sink_logit"  # the logit the term added (where it lowered)
SINK_BEFORE = "probability_unsunk"  # the probability before it lowered
SINK_SHARE = "sink_share"  # the reference's share of clean heads sinking at the named class
GAP_HEAD = "pool:global_avg"


def sink_kind(features: dict[str, float], traits: list[str]) -> str | None:
    """``"<input size>/<classes>:<norm traits>+pool:global_avg"``: the heads one reference
    entry counts (None for a model without a global-average-pooled head, or a run without
    MM-BD's ratios). Activations are left out: the sink is the head's, and a reference per
    activation would leave a new activation unread."""
    ratios = class_ratios(features)
    if GAP_HEAD not in traits or ratios is None or INPUT_SIZE not in features:
        return None
    parts = [*sorted(t for t in traits if t.startswith("norm:")), GAP_HEAD]
    return f"{int(features[INPUT_SIZE])}/{len(ratios)}:{'+'.join(parts)}"


def trait_kind(features: dict[str, float], traits: list[str]) -> str | None:
    """``"<input size>/<classes>:<every trait>"``: the finer reference entry (stop 76), for a
    model :func:`sink_kind` reads (None otherwise)."""
    key = sink_kind(features, traits)
    return None if key is None else f"{key.split(':', 1)[0]}:{'+'.join(sorted(traits))}"


def sink_entry(features: dict[str, float], traits: list[str], reference: dict,
               min_clean: int) -> dict | None:
    """The reference entry read: the model's trait set's where it holds ``min_clean`` clean
    heads, else the kind's (None without one)."""
    for key in (trait_kind(features, traits), sink_kind(features, traits)):
        entry = reference.get(key) if key is not None else None
        if isinstance(entry, dict) and int(entry.get("n_clean", 0)) >= min_clean:
            return entry
    return None


def sink_share(features: dict[str, float], traits: list[str], named: int,
               reference: dict, min_clean: int) -> float | None:
    """The reference's share of clean heads of the kind (or of the trait set, where the
    reference holds it: :func:`sink_entry`) whose blends sink at ``named``; None where the
    profile does not hold (no blends, no ratios, ``named`` is MM-BD's top class, the blends'
    top is not ``named``, no entry with ``min_clean`` heads)."""
    blends = per_class(features, BLEND)
    ratios = class_ratios(features)
    entry = sink_entry(features, traits, reference, min_clean)
    if blends is None or ratios is None or entry is None:
        return None
    shares = entry.get("share") or []
    if (len(shares) != len(blends) or not 0 <= named < len(blends)
            or named == top_of(ratios) or top_of(blends) != named):
        return None
    return float(shares[named])


def sink_term(verdict: ModelVerdict, calibrators: dict[str, Calibrator],
              scored_by: str) -> float:
    """Apply ``"<scored_by>:blend-sink"`` in place where it reads (module docstring); returns
    the logit added (0.0 where it did not lower)."""
    term = calibrators.get(f"{scored_by}:{TERM}")
    if term is None or verdict.probability is None or not verdict.target_classes:
        return 0.0
    fitted = term.fitted_on
    if "only" in fitted and trait_kind(verdict.features, verdict.traits) not in fitted["only"]:
        return 0.0
    share = sink_share(verdict.features, verdict.traits, int(verdict.target_classes[0]),
                       fitted.get("reference") or {}, int(fitted.get("min_clean", 1)))
    if share is None:
        return 0.0
    verdict.features[SINK_SHARE] = share
    if share < float(fitted["share"]) or not guarded(fitted, verdict.features):
        return 0.0
    over = logit(verdict.probability) - float(fitted["to"])
    if over <= 0:
        return 0.0
    verdict.features[SINK_BEFORE] = float(verdict.probability)
    return lower_logit(verdict, -over, SINK_LOGIT)


def sink_note(features: dict[str, float], named: int | None) -> str | None:
    """The sentence saying the term lowered the probability (None where it did not)."""
    moved = lowered_by(features, SINK_LOGIT, SINK_BEFORE)
    if moved is None:
        return None
    which = f"class {named}" if named is not None else "the named class"
    share = features.get(SINK_SHARE)
    said = f" ({float(share):.0%} of them)" if isinstance(share, int | float) else ""
    return (f"probability lowered {moved} by the calibration's blend-sink term: the blends "
            f"reach {which}, where clean models of this kind send blends too{said}, while "
            "MM-BD's margins lean to another class")


def check_sink_terms(calibrators: dict[str, Calibrator]) -> None:
    """Refuse (ValueError) a ``"…:blend-sink"`` entry the term could not read: features, no
    scorer in the file, a reference that is not kinds to ``{"n_clean": N, "share": [numbers]}``,
    ``share`` / ``to`` not finite numbers, ``min_clean`` not a whole number >= 1, a ``guard``
    that is not feature names to numbers, an ``only`` that is not a list of trait-set keys."""
    for key, _, term in checked_entries(calibrators, TERM, "blend-sink"):
        fitted = term.fitted_on
        reference = fitted.get("reference")
        if not isinstance(reference, dict) or not all(
                isinstance(e, dict) and isinstance(e.get("n_clean"), int)
                and not isinstance(e["n_clean"], bool) and isinstance(e.get("share"), list)
                and all(finite(x) for x in e["share"]) for e in reference.values()):
            raise ValueError(f"{key!r}: fitted_on.reference must map kinds to "
                             "{\"n_clean\": N, \"share\": [one number per class]}")
        for name in ("share", "to"):
            if not finite(fitted.get(name)):
                raise ValueError(f"{key!r}: fitted_on.{name} must be a number, got "
                                 f"{fitted.get(name)!r}")
        min_clean = fitted.get("min_clean", 1)
        if not whole(min_clean, 1):
            raise ValueError(f"{key!r}: fitted_on.min_clean must be a whole number >= 1, got "
                             f"{min_clean!r}")
        guard = fitted.get("guard", {})
        if not isinstance(guard, dict) or not all(isinstance(k, str) and finite(v)
                                                  for k, v in guard.items()):
            raise ValueError(f"{key!r}: fitted_on.guard must map feature names to numbers")
        only = fitted.get("only", [])
        if not isinstance(only, list) or not all(isinstance(k, str) for k in only):
            raise ValueError(f"{key!r}: fitted_on.only must be a list of trait sets "
                             "(\"<input size>/<classes>:<traits>\" keys)")
