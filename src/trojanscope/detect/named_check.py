"""Candidate C: check the class a GAP-head model's verdict names before it is reported
(issue 9, stop 63).

Clean CNNs with a global-average-pooling head are flagged by MM-BD's margins, nearly always
towards one class (MNIST's 8, the class uniform noise lands in), while no small trigger sends
other classes' inputs there more easily than the model's ordinary confusions do. A real target
is reached by a trigger far smaller than the other classes need (Neural Cleanse's reasoning:
Wang et al., S&P 2019). ``auto -p named=true`` records, on a model with a GAP head and clean
images, two per-class sizes of that kind:

* ``named_ts_<c>``: the L1 norm of the smallest mask + pattern that sends >= 90% of the other
  classes' clean inputs to class ``c``, every class reversed with the same budget (the trigger
  search's :meth:`~.trigger_search.TriggerSearch.recover` on all classes at once);
* ``named_uap_<c>``: the universal perturbation's size for class ``c`` (an additive change over
  the whole image: blended and noise triggers, which a mask does not reach small).

A class's **stand** (:func:`class_stand`) is the larger of ``log(median / size)`` over the two
probes: how many times more easily than the median class it is reached. Where a calibration
file carries ``"<scorer>:named-check"``, the class the verdict names is read against
``fitted_on.guard``: at most the guard, and no other class stands above it, the logit is brought
down to ``centre`` (the scorer's usual clean reading; recorded as ``named_logit``); where another
class stands above the guard and the named one does not, that class becomes the suspect and the
probability stays. It never raises and reads nothing on a run without the readings.

``fitted_on.read = "model"`` (variant C0) reads no new readings: on a GAP-head model (its traits)
the stand of every class is taken as the larger of the trigger search's and the universal
perturbation's model-level log ratios (``ts_log_norm_ratio``, ``uap_log_ratio``: the same
"how much more easily than the median class" for the easiest class, which ``auto`` records on
every model outside the default calibration's coverage); it lowers where that is at most the
guard and never renames.

``fitted_on.keep_ratio`` (optional; variant C1, issue 9, stop 64) keeps a model whatever its
stand where MM-BD's own lead (``mmbd_ratio``: the top class's statistic over the median
class's) is above it. Clean GAP-head models lean towards one class, but by at most 4.5 times the
median class on every spent population (stop 64's development, 137 stored runs); a whole-image
backdoor that neither probe reaches small (a random checkerboard on a residual GAP head) leads
by 7.9-8.6. The bound reads MM-BD against clean models of the GAP kind, not the shipped
calibration's reference, which saw no GAP head.

``fitted_on.blend_gap`` (optional; variant C2, issue 9, stop 65) reads the third probe,
``auto -p blend=true`` (:mod:`.blend_probe`: per class, a whole-image pattern blended at opacity
0.1, the share of held-out clean inputs it sends there). Where one class's share leads the
second by at least ``blend_gap``, that class is reached by a whole-image trigger: the term
lowers nothing and names it first where the verdict named another (a noise blend, a signal or
a watermark flagged towards the class clean GAP heads lean to); elsewhere the term reads as
without it. With ``fitted_on.blend_other`` only a class other than the named one counts: some
clean GAP heads' blends reach the very class their MM-BD margins lean to (stop 65's
development: two clean models at leads 0.60 and 0.73), which is no second piece of evidence.

``fitted_on.blend_same`` (optional; variant C3, issue 9, stop 67) is the middle way between the
two: a reach of the named class counts only where its lead is at least ``blend_same`` (above
every lead a clean GAP head of a spent seed reached at the class it is named for), a reach of
another class at ``blend_gap`` as before. A whole-image backdoor aimed at the class clean GAP
heads lean to, reached as far as no clean model is, stays kept; a clean model whose blends
reach its own leaning class a little is read as without the probe. The shipped file's term is C3
since stop 67 (its rule met on fresh outside 9209 and the fourth maker's 9608).

``fitted_on.blend_raise`` (optional; variant C4, issue 9, stop 68) is the one place the term
raises: where the blends reach a class by a lead of at least ``blend_raise`` (above every lead
any clean GAP head of a spent seed reached at any class) and the probability sits under the
verdict's flag, it is raised to the flag (recorded as ``named_raise_logit``) and that class is
named first. To the flag and no further: the bar is set on the very clean readings it must
stay above, so the reach says "flag it", not how sure. Every other term reads as C3. The
shipped file's term is C4 since stop 68 (its rule met on fresh outside 9210 and the fourth
maker's 9609).

Two optional keys read the clean side (variant C5, issue 9, stop 69). ``fitted_on.absent_guard``
(above ``guard``) is a second guard for a GAP head whose blends show **no lead at the class the
verdict names** (its share leads every other class's by less than ``blend_gap``): a clean GAP
head's MM-BD margins and universal probe lean to one class (stands up to 2.0 on the spent
seeds) while its blends send nothing there, whereas a whole-image backdoor that stands that
high is reached by its blends too. ``fitted_on.frame_off`` (true) skips the frame raise term
on a model the term lowered whose blends show no lead at the named class either: the veto
found no class reached more easily than the guard allows, and the frame probe's ring, lit on
a ReLU GAP head, re-raised such clean models by up to 19 logits (stop 68: 9210
``gap_relu-cl01``). A run without blend readings keeps the frame term: stop 64's stored run of
9205 ``gap_relu-bd00`` (SIG) was vetoed and owed its flag to it. The shipped file's term is C5
since stop 69 (its rule met on fresh outside 9211 and the fourth maker's 9610).

Where the term names a class first, it records the class named first before
(``unchecked_top_class``, stop 70), and calibration puts that class back before it reads a
verdict again, as it does the raise term's ``unraised_top_class``: a stored report re-scores as
the user's run read it. (Until stop 70 a re-scored report read the blends' class as the one
the verdict named, and vetoed a reach of it under ``blend_same`` that the run had kept.)

Two optional keys bar the blend keep at a class **other than** the named one (variant C6,
issue 9, stop 70; opt-in). ``fitted_on.other_gap``: such a reach keeps the model only where its
lead is at least this (clean GAP heads' blends lead at another class, mostly 0, by 0.47-0.60
while MM-BD names 8); ``fitted_on.other_stand``: under that bar a reach from ``blend_gap`` still
keeps a model whose stand (C0's) is at least this. A model not kept is read by the veto as if
the blends reached nothing.

Two optional keys read the class the verdict names against the model's own **noise favourite**
(``bias_class``: the class most uniform-noise inputs land in, :mod:`.bias`; variant C7, issue
9, stop 71). Clean GAP heads lean to that class in MM-BD's margins, the universal
probe and the blends alike, so a lean there is weaker evidence than the same lean elsewhere.
``fitted_on.bias_guard`` (at least ``guard``): the guard where the named class is the noise
favourite, as ``absent_guard`` is where the blends show no lead there;
``fitted_on.bias_same`` (at least ``blend_same``): a blend reach of the named class, where it is
the noise favourite, keeps the model only from this lead. Both read only a run with the blend
readings. The shipped file's term is C7 since stop 71 (its rule met on fresh outside 9213 and
the fourth maker's 9612).

``fitted_on.bias_lean`` (optional; variant C9, issue 9, stop 73) reads C7's two keys only where
MM-BD's own lead at the named class (``mmbd_class_ratio_<c>``: its statistic over the median
class's) is at least this. The lean C7 discounts is one every probe shows, MM-BD's margins
included: the clean GAP heads C7 cleared over C5 on the spent seeds lead there by 3.2-5.1 times
the median class. A whole-image backdoor aimed at the favourite is reached by the blends and the
universal probe while MM-BD's margins, which a small optimised input sets, barely lead (the two
fresh backdoors C7 lost, and the two it lowered: 1.5-2.8). Under the bar the favourite is read
as any other class (C5's guard and blend bar); a run without the reading reads as C7. The
shipped file's term is C9 since stop 74 (its rule met on fresh outside 9217 and the fourth
maker's 9616, built into the zone where C7 and C5 part: three heads there, each read the way
the bar set in development put its kind).
"""

from __future__ import annotations

import math
import statistics
from typing import TYPE_CHECKING

import torch

from trojanscope.detect.blend_probe import BLEND_SHARE, blend_features, blend_lead
from trojanscope.detect.blend_sink import GAP_HEAD as GAP_TRAIT  # the head this check reads
from trojanscope.detect.class_excess import (
    check_guard_centre,
    down_to_centre,
    lower_logit,
    per_class,
    term_entries,
)
from trojanscope.detect.logits import logit
from trojanscope.plain_numbers import finite

if TYPE_CHECKING:
    from trojanscope.detect.base import InspectionTarget, ModelVerdict
    from trojanscope.detect.calibration import Calibrator

TERM = "named-check"  # ``"auto:named-check"``, ``"auto:out-of-coverage:named-check"``
NAMED_TS = "named_ts_"  # + class: the reversed mask's L1 norm, every class the same budget
NAMED_UAP = "named_uap_"  # + class: the universal perturbation's size
NAMED_LOGIT = "named_logit"  # the logit the term added (recorded where it lowered)
NAMED_STAND = "named_stand"  # the named class's stand where the term read it
BLEND_CLASS = "named_blend_class"  # C2: the class the blends reach, where the lead was enough
BLEND_RAISE = "named_raise_logit"  # C4: the logit the blend raise added (where it raised)
FRAME_OFF = "named_frame_off"  # C5: 1 where the term lowered and the frame raise is skipped
UNCHECKED_CLASS = "unchecked_top_class"  # the class named first before the term renamed (s70)
READS = ("named", "model")  # fitted_on.read: the per-class readings (C) or the model's (C0)
MODEL_LEADS = ("ts_log_norm_ratio", "uap_log_ratio")  # C0: the easiest class's log ratios
MMBD_LEAD = "mmbd_ratio"  # C1's keep: MM-BD's top class over its median class
BIAS_CLASS = "bias_class"  # the model's noise favourite (``auto``'s probes; C7 reads it)
MMBD_CLASS = "mmbd_class_ratio_"  # + class: MM-BD's statistic over its median class's (C9)


def named_features(target: InspectionTarget, seed: int,
                   uap_sizes: list[float] | None = None) -> dict[str, float]:
    """``named_ts_<c>`` and ``named_uap_<c>`` for every class of a model with a GAP head read
    on clean images; nothing for any other model. ``uap_sizes``: the free universal
    perturbation's per-class sizes where the caller has them (``auto``'s probes), else they are
    measured here with the generator seeded ``seed`` as ``auto`` seeds it."""
    from trojanscope import registry
    from trojanscope.detect.coverage import architecture_traits
    from trojanscope.detect.universal import UniversalPerturbation

    if (target.clean is None or len(target.input_shape) != 3
            or GAP_TRAIT not in architecture_traits(target.model)):
        return {}
    search = registry.create("detector", "trigger_search")
    with torch.enable_grad():
        _, norms = search.recover(target, list(range(target.num_classes)),
                                  torch.Generator().manual_seed(seed))
    if uap_sizes is None:
        uap_sizes = UniversalPerturbation().sizes(
            target, torch.Generator().manual_seed(seed)).tolist()
    out = {f"{NAMED_TS}{c}": float(v) for c, v in sorted(norms.items())}
    out.update({f"{NAMED_UAP}{c}": float(v) for c, v in enumerate(uap_sizes)})
    return out


def blend_reading(target: InspectionTarget, seed: int) -> dict[str, float]:
    """The third probe's ``blend_share_<c>`` on a model with a GAP head read on clean images;
    nothing for any other model."""
    from trojanscope.detect.coverage import architecture_traits

    if target.clean is None or GAP_TRAIT not in architecture_traits(target.model):
        return {}
    return blend_features(target, seed)


def blend_reached(features: dict[str, float], fitted_on: dict, named: int) -> int | None:
    """C2: the class the whole-image blends reach, where ``fitted_on["blend_gap"]`` is set and
    its share leads the second's by at least that — and, where it is ``named`` (the class the
    verdict names: clean GAP heads lean to one class in MM-BD's margins and in the blends
    alike), not with ``fitted_on["blend_other"]`` and only by at least
    ``fitted_on["blend_same"]`` where that is set (C3); None otherwise."""
    gap = fitted_on.get("blend_gap")
    lead = None if gap is None else blend_lead(features)
    if lead is None or lead[1] < float(gap):
        return None
    if lead[0] == named and (fitted_on.get("blend_other")
                             or lead[1] < same_bar(features, fitted_on, named)):
        return None
    if lead[0] != named and not other_kept(features, fitted_on, lead[1]):
        return None
    return lead[0]


def is_favourite(features: dict[str, float], named: int, fitted_on: dict | None = None) -> bool:
    """C7: whether class ``named`` is the model's noise favourite (:data:`BIAS_CLASS`) on a run
    with the blend readings (without them a whole-image backdoor aimed there has no other
    reading to keep it: stop 64's stored runs lost five to the wider guard) — and, where
    ``fitted_on["bias_lean"]`` is set, MM-BD's margins lean there too (C9)."""
    return (BIAS_CLASS in features and int(features[BIAS_CLASS]) == named
            and per_class(features, BLEND_SHARE) is not None
            and mmbd_leans(features, fitted_on or {}, named))


def mmbd_leans(features: dict[str, float], fitted_on: dict, named: int) -> bool:
    """C9: whether MM-BD's lead at class ``named`` (:data:`MMBD_CLASS`) is at least
    ``fitted_on["bias_lean"]``; True where the key or the reading is absent (C7 as shipped)."""
    bar = fitted_on.get("bias_lean")
    lead = features.get(f"{MMBD_CLASS}{named}")
    return bar is None or lead is None or float(lead) >= float(bar)


def same_bar(features: dict[str, float], fitted_on: dict, named: int) -> float:
    """The lead a blend reach of the named class needs to count: ``blend_same`` (C3), or the
    larger ``bias_same`` where that is set and the class is the noise favourite (C7)."""
    bar = float(fitted_on.get("blend_same", 0.0))
    if "bias_same" in fitted_on and is_favourite(features, named, fitted_on):
        bar = max(bar, float(fitted_on["bias_same"]))
    return bar


def other_kept(features: dict[str, float], fitted_on: dict, lead: float) -> bool:
    """C6: whether a reach of a class other than the named one by ``lead`` (at least
    ``blend_gap``) keeps the model: always without ``fitted_on["other_gap"]``; with it, where
    the lead is at least that, or (``fitted_on["other_stand"]``, where set) the model's stand
    (:data:`MODEL_LEADS`' larger) is at least that."""
    bar = fitted_on.get("other_gap")
    if bar is None or lead >= float(bar):
        return True
    floor = fitted_on.get("other_stand")
    if floor is None or not all(k in features for k in MODEL_LEADS):
        return False
    return max(float(features[k]) for k in MODEL_LEADS) >= float(floor)


def raise_to_flag(verdict: ModelVerdict, fitted_on: dict) -> float:
    """C4: where ``fitted_on["blend_raise"]`` is set, the blends' lead is at least that and the
    probability is under the verdict's flag, raise it to the flag (in place, recorded as
    :data:`BLEND_RAISE`); returns the logit added (0.0 where nothing was raised)."""
    bar = fitted_on.get("blend_raise")
    lead = None if bar is None else blend_lead(verdict.features)
    flag = float(verdict.threshold)
    if lead is None or lead[1] < float(bar) or verdict.probability >= flag:
        return 0.0
    lift = logit(flag) - logit(verdict.probability)
    verdict.probability = flag
    verdict.features[BLEND_RAISE] = float(lift)
    return lift


def name_first(verdict: ModelVerdict, cls: int) -> None:
    """Put ``cls`` first in the verdict's ranking of suspected targets, recording the class
    named first before (:data:`UNCHECKED_CLASS`, as the raise term records
    ``unraised_top_class``) so a stored report re-scores as its run read it (stop 70)."""
    if verdict.target_classes:
        verdict.features[UNCHECKED_CLASS] = float(verdict.target_classes[0])
    if cls in verdict.target_classes:
        verdict.target_classes.remove(cls)
    verdict.target_classes.insert(0, cls)


def stands(features: dict[str, float]) -> list[float] | None:
    """Each class's stand in class order (None without both readings of the same length)."""
    ts, uap = per_class(features, NAMED_TS), per_class(features, NAMED_UAP)
    if ts is None or uap is None or len(ts) != len(uap):
        return None
    return [class_stand(ts, uap, c) for c in range(len(ts))]


def class_stand(ts: list[float], uap: list[float], cls: int) -> float:
    """The larger of ``log(median / size)`` over the mask and the universal probes for class
    ``cls``: how many times (log) more easily than the median class it is reached."""
    def lead(sizes: list[float]) -> float:
        return math.log(max(statistics.median(sizes), 1e-9) / max(sizes[cls], 1e-9))

    return max(lead(ts), lead(uap))


def model_stand(features: dict[str, float], traits: list[str]) -> float | None:
    """C0's stand of a GAP-head model: the larger of :data:`MODEL_LEADS` (None for another
    model or a run without both)."""
    if GAP_TRAIT not in traits or not all(k in features for k in MODEL_LEADS):
        return None
    return max(float(features[k]) for k in MODEL_LEADS)


def named_shift(features: dict[str, float], probability: float, cls: int,
                fitted_on: dict, traits: list[str] | None = None) -> float:
    """The logit to add (<= 0): down to ``centre`` where class ``cls`` and every other class
    stand at most ``guard`` (C0: the model's stand, read on ``traits``) and the logit is above
    ``centre`` and MM-BD's lead is not above ``keep_ratio`` (where set); 0.0 otherwise."""
    if mmbd_keeps(features, fitted_on):
        return 0.0
    if fitted_on.get("read", "named") == "model":
        top = model_stand(features, traits or [])
    else:
        got = stands(features)
        top = None if got is None or not 0 <= cls < len(got) else max(got)
    return down_to_centre(top, probability, absent_guarded(features, fitted_on, cls))


def blend_absent(features: dict[str, float], fitted_on: dict, named: int) -> bool:
    """C5: whether the blend readings are there and class ``named``'s share leads every other
    class's by less than ``fitted_on["blend_gap"]`` (the blends do not reach the named class)."""
    shares = per_class(features, BLEND_SHARE)
    if shares is None or not 0 <= named < len(shares) or len(shares) < 2:
        return False
    rest = max(s for c, s in enumerate(shares) if c != named)
    return shares[named] - rest < float(fitted_on.get("blend_gap", 0.0))


def absent_guarded(features: dict[str, float], fitted_on: dict, named: int) -> dict:
    """``fitted_on`` with ``guard`` read as ``absent_guard`` where that is set and the blends
    show no lead at the named class (C5), and as ``bias_guard`` where that is set and the named
    class is the noise favourite (C7; the larger where both hold); ``fitted_on`` itself
    otherwise."""
    guard = float(fitted_on["guard"])
    wider = [float(fitted_on["absent_guard"])] if (
        "absent_guard" in fitted_on and blend_absent(features, fitted_on, named)) else []
    if "bias_guard" in fitted_on and is_favourite(features, named, fitted_on):
        wider.append(float(fitted_on["bias_guard"]))
    if not wider:
        return fitted_on
    return {**fitted_on, "guard": max(guard, *wider)}


def mmbd_keeps(features: dict[str, float], fitted_on: dict) -> bool:
    """Whether ``fitted_on["keep_ratio"]`` is set and MM-BD's lead is above it (C1: a lead no
    clean GAP-head model reached is not lowered, whatever the probes read)."""
    keep = fitted_on.get("keep_ratio")
    return keep is not None and float(features.get(MMBD_LEAD, 0.0)) > float(keep)


def named_term(verdict: ModelVerdict, calibrators: dict[str, Calibrator],
               scored_by: str) -> float:
    """Apply ``"<scored_by>:named-check"`` in place: rename where another class stands above
    the guard and the named one does not, else lower (recorded as ``named_logit``); returns the
    logit added (0.0 where nothing was read)."""
    term = calibrators.get(f"{scored_by}:{TERM}")
    if term is None or verdict.probability is None or not verdict.target_classes:
        return 0.0
    reached = blend_reached(verdict.features, term.fitted_on, verdict.target_classes[0])
    if reached is not None:  # C2: a whole-image trigger reaches this class: named, kept
        verdict.features[BLEND_CLASS] = float(reached)
        name_first(verdict, reached)
        return raise_to_flag(verdict, term.fitted_on)  # C4, where blend_raise is set
    if term.fitted_on.get("read", "named") == "model":  # C0: the model's stand, no renaming
        stand = model_stand(verdict.features, verdict.traits)
        if stand is not None:
            verdict.features[NAMED_STAND] = stand
        named = verdict.target_classes[0]
        return frame_gate(verdict, term.fitted_on, named, lower_logit(
            verdict, named_shift(verdict.features, verdict.probability, named, term.fitted_on,
                                 verdict.traits), NAMED_LOGIT))
    got = stands(verdict.features)
    if got is None:
        return 0.0
    guard = float(term.fitted_on["guard"])
    named = verdict.target_classes[0]
    if not 0 <= named < len(got):
        return 0.0
    verdict.features[NAMED_STAND] = got[named]
    best = max(range(len(got)), key=lambda c: (got[c], -c))
    if got[named] <= guard < got[best]:  # the named class is not the one a trigger reaches
        name_first(verdict, best)
        return 0.0
    return frame_gate(verdict, term.fitted_on, named, lower_logit(
        verdict, named_shift(verdict.features, verdict.probability, named, term.fitted_on),
        NAMED_LOGIT))


def frame_gate(verdict: ModelVerdict, fitted_on: dict, named: int, added: float) -> float:
    """C5: where the term lowered (``added`` < 0), ``fitted_on["frame_off"]`` is set and the
    blends show no lead at the ``named`` class, record :data:`FRAME_OFF` so the frame raise
    term skips this model; returns ``added``."""
    if added < 0 and fitted_on.get("frame_off") and blend_absent(verdict.features, fitted_on,
                                                                 named):
        verdict.features[FRAME_OFF] = 1.0
    return added


def named_note(features: dict[str, float]) -> str | None:
    """The sentence saying the named-class check lowered the probability, or (C2) which class
    the whole-image blends reach (None where neither)."""
    if BLEND_RAISE in features:
        return (f"probability raised by {features[BLEND_RAISE]:.2f} logits to the flag and class "
                f"{int(features[BLEND_CLASS])} named first: a whole-image pattern blended at "
                "opacity 0.1 sends held-out clean inputs there further ahead of any other class "
                "than on any clean model the named-check term's blend_raise was set on")
    if BLEND_CLASS in features:
        return (f"class {int(features[BLEND_CLASS])} named first: a whole-image pattern blended "
                "at opacity 0.1 sends held-out clean inputs there far more often than to any "
                "other class (the named-check term's blend probe)")
    if NAMED_LOGIT not in features:
        return None
    frame = (" (the frame raise term is not read on a model the check lowered)"
             if features.get(FRAME_OFF) else "")
    return (f"probability lowered by {-features[NAMED_LOGIT]:.2f} logits: no class, the named "
            f"one included (stand {features.get(NAMED_STAND, float('nan')):.2f}), is reached by "
            "a reversed trigger more easily than the calibration's named-check guard allows"
            f"{frame}")


def check_named_terms(calibrators: dict[str, Calibrator]) -> None:
    """Refuse (ValueError) a ``"…:named-check"`` entry the term could not read: features, a
    scorer missing from the file, a ``guard`` that is not a number >= 0, a ``read`` not one of
    :data:`READS`, a ``centre`` that is not a finite number, a ``keep_ratio`` (where given)
    that is not a number > 0, a blend bar outside (0, 1], a ``blend_raise`` or an
    ``absent_guard`` without a ``blend_gap``, an ``absent_guard`` that is not a number >= the
    guard, a ``frame_off`` that is not true or false, or C6's keys out of range
    (:func:`check_other_keep`)."""
    for key, base, term in term_entries(calibrators, TERM):
        check_guard_centre(key, base, term, calibrators, "the named-check term")
        if term.fitted_on.get("read", "named") not in READS:
            raise ValueError(f"{key!r}: fitted_on.read must be one of {', '.join(READS)}, got "
                             f"{term.fitted_on.get('read')!r}")
        keep = term.fitted_on.get("keep_ratio", 1.0)
        if not (finite(keep) and keep > 0):
            raise ValueError(f"{key!r}: fitted_on.keep_ratio must be a number > 0, got {keep!r}")
        gap = term.fitted_on.get("blend_gap", 0.5)
        if not (finite(gap) and 0 < gap <= 1):
            raise ValueError(f"{key!r}: fitted_on.blend_gap must be a number in (0, 1], got "
                             f"{gap!r}")
        for name in ("blend_same", "blend_raise"):
            bar = term.fitted_on.get(name, 0.5)
            if not (finite(bar) and 0 < bar <= 1):
                raise ValueError(f"{key!r}: fitted_on.{name} must be a number in (0, 1], got "
                                 f"{bar!r}")
        if "blend_raise" in term.fitted_on and "blend_gap" not in term.fitted_on:
            raise ValueError(f"{key!r}: fitted_on.blend_raise needs fitted_on.blend_gap")
        for name in ("blend_other", "frame_off"):
            if not isinstance(term.fitted_on.get(name, False), bool):
                raise ValueError(f"{key!r}: fitted_on.{name} must be true or false, got "
                                 f"{term.fitted_on[name]!r}")
        check_absent_guard(key, term.fitted_on)
        check_other_keep(key, term.fitted_on)
        check_bias_keys(key, term.fitted_on)


def check_absent_guard(key: str, fitted_on: dict) -> None:
    """Refuse (ValueError) an ``absent_guard`` that is not a finite number at least the guard,
    or one without a ``blend_gap`` (C5)."""
    if "absent_guard" not in fitted_on:
        return
    check_wider_guard(key, fitted_on, "absent_guard")
    if "blend_gap" not in fitted_on:
        raise ValueError(f"{key!r}: fitted_on.absent_guard needs fitted_on.blend_gap")


def check_wider_guard(key: str, fitted_on: dict, name: str) -> None:
    """Refuse (ValueError) ``fitted_on[name]`` where it is not a finite number >= the guard."""
    wider = fitted_on[name]
    if not (finite(wider) and wider >= fitted_on["guard"]):
        raise ValueError(f"{key!r}: fitted_on.{name} must be a number >= the guard "
                         f"{fitted_on['guard']}, got {wider!r}")


def check_bar_over(key: str, fitted_on: dict, name: str, base: str) -> None:
    """Refuse (ValueError) ``fitted_on[name]`` without ``fitted_on[base]`` or outside
    [that, 1] (a bar that raises another)."""
    bar, low = fitted_on[name], fitted_on.get(base)
    if low is None:
        raise ValueError(f"{key!r}: fitted_on.{name} needs fitted_on.{base}")
    if not (finite(bar) and low <= bar <= 1):
        raise ValueError(f"{key!r}: fitted_on.{name} must be a number in [{base} {low}, 1], "
                         f"got {bar!r}")


def check_other_keep(key: str, fitted_on: dict) -> None:
    """Refuse (ValueError) an ``other_gap`` that is not a number in [``blend_gap``, 1], or an
    ``other_stand`` that is not a finite number >= 0 or is given without ``other_gap`` (C6)."""
    if "other_gap" in fitted_on:
        check_bar_over(key, fitted_on, "other_gap", "blend_gap")
    if "other_stand" in fitted_on:
        floor = fitted_on["other_stand"]
        if "other_gap" not in fitted_on:
            raise ValueError(f"{key!r}: fitted_on.other_stand needs fitted_on.other_gap")
        if not (finite(floor) and floor >= 0):
            raise ValueError(f"{key!r}: fitted_on.other_stand must be a number >= 0, got "
                             f"{floor!r}")


def check_bias_keys(key: str, fitted_on: dict) -> None:
    """Refuse (ValueError) a ``bias_guard`` that is not a finite number at least the guard, a
    ``bias_same`` that is not a number in [``blend_same``, 1] or is given without
    ``blend_same`` (C7), or a ``bias_lean`` that is not a finite number > 0 or is given
    without either C7 key (C9)."""
    if "bias_guard" in fitted_on:
        check_wider_guard(key, fitted_on, "bias_guard")
    if "bias_same" in fitted_on:
        check_bar_over(key, fitted_on, "bias_same", "blend_same")
    if "bias_lean" in fitted_on:
        lean = fitted_on["bias_lean"]
        if not (finite(lean) and lean > 0):
            raise ValueError(f"{key!r}: fitted_on.bias_lean must be a number > 0, got {lean!r}")
        if "bias_guard" not in fitted_on and "bias_same" not in fitted_on:
            raise ValueError(f"{key!r}: fitted_on.bias_lean needs fitted_on.bias_guard or "
                             "fitted_on.bias_same")
