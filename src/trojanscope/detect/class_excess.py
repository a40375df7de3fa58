"""MM-BD's top class against the same class in clean models of the same kind (issue 9, stop 55).

MM-BD flags a model whose largest per-class maximum margin stands far above the median of its
classes (``mmbd_ratio``). Some classes are wide in every clean model of a kind: on MNIST, class 8
in BatchNorm CNNs and class 2 in ReLU CNNs read 1.4-1.7 times the median with no backdoor, so a
clean model whose natural wide class is a little wider than usual is flagged on MM-BD's own
statistic (issue 9, stop 54 h9D: against the same class in clean siblings such a model stood
0.27-0.30 above, a backdoor target 0.73 or more). This module keeps the per-class ratios on
the verdict and reads

    ``mmbd_class_excess`` = ratio of MM-BD's top class - the clean reference's ratio for that
    class, in models of the same kind (traits, input size, class count),

read only where that class is one of the kind's naturally wide classes (its reference ratio at
least the entry's ``wide``, or its median ratio over the clean models of another training
recipe of the kind in ``wide_recipes``: issue 9 stop 72, where a user's briefly trained ReLU
CNN widens a class the reference's recipe does not; a recipe entry may carry its own
``wide``, issue 9 stop 73, and a ``guard``, stop 74: it opens its classes only on a run whose
guarded features are at most their bounds, so a lean is read but an outlier is not), the
reference being the median over clean calibration models of that kind, fitted by
``benchmarks/class_excess_fit.py`` and written into the calibration file's ``"<scorer>:excess"``
entry (``fitted_on.reference``). That entry is a lower-only term: where its linear score (a
start and a slope on the excess) is negative it is added to the scoring calibrator's logit,
never more than ``most`` logits (MM-BD's reading is taken back, not the other probes'; an entry
of the reference or of ``wide_recipes`` may carry its own ``most``, issue 9 stop 75: the largest
cap of the entries that open the run's top class is read; a ``wide_recipes`` entry marked
``own_median`` has the excess at a class it opens read against its own median where that is
the larger, stop 76: :func:`basis`), before
any raise term; where the run has no ratios (a run recorded before stop 55), the kind has
no reference, or the reference has fewer than ``min_clean`` clean models, the feature is absent
and the probability is what the calibrator gives without it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import torch

from trojanscope.detect.guard_reading import shut
from trojanscope.detect.logits import logit, shift_logit
from trojanscope.plain_numbers import finite, whole

if TYPE_CHECKING:
    from trojanscope.detect.base import ModelVerdict
    from trojanscope.detect.calibration import Calibrator

RATIO = "mmbd_class_ratio_"  # + class index: that class's maximum margin / the median's
INPUT_SIZE = "mmbd_input_size"  # values per input (C·H·W): a reference is per data shape
EXCESS = "mmbd_class_excess"
EXCESS_LOGIT = "excess_logit"
EXCESS_BEFORE = "probability_unexcessed"  # the probability before the term lowered it
EXCESS_OWN = "mmbd_excess_own_median"  # 1.0: read against an own_median entry (stop 76)
EXCESS_MASK_LINE = "mmbd_excess_mask_line_"  # + class: an opening recipe's mask_line there
# Key suffix of the term on a scoring calibrator: ``"auto:excess"`` corrects ``auto``,
# ``"auto:out-of-coverage:excess"`` the wider calibrator.
TERM = "excess"
MIN_CLEAN = 4  # fewest clean reference models of a kind, unless the entry says otherwise


def class_ratio_features(margins: list[float], input_shape: tuple[int, ...] | None
                         ) -> dict[str, float]:
    """Each class's maximum margin over the median of all classes' (the lower middle value,
    as ``mmbd_ratio`` divides by: the top class's ratio is ``mmbd_ratio``), and the input size."""
    median = float(torch.tensor(margins, dtype=torch.float64).median())
    out = {f"{RATIO}{c}": float(m) / max(abs(median), 1e-12) for c, m in enumerate(margins)}
    if input_shape is not None:
        out[INPUT_SIZE] = float(math.prod(input_shape))
    return out


def class_ratios(features: dict[str, float]) -> list[float] | None:
    """The per-class ratios a run recorded, in class order (None when it recorded none)."""
    return per_class(features, RATIO)


def per_class(features: dict[str, float], prefix: str) -> list[float] | None:
    """``features[prefix + "0"]``, ``features[prefix + "1"]``, … up to the first class
    missing, as floats; None where fewer than two classes were recorded (MM-BD's ratios, the
    twins' medians of :mod:`.twin_term`)."""
    out = []
    while f"{prefix}{len(out)}" in features:
        out.append(float(features[f"{prefix}{len(out)}"]))
    return out if len(out) >= 2 else None


def top_of(values: list[float]) -> int:
    """The first index of the largest value: MM-BD's top class of its per-class ratios, and the
    blends' top class (``blend_sink``)."""
    return max(range(len(values)), key=values.__getitem__)


def kind_key(features: dict[str, float], traits: list[str]) -> str | None:
    """``"<input size>/<classes>:<traits joined by +>"``: the models one reference is fitted on
    (None without ratios)."""
    ratios = class_ratios(features)
    if ratios is None or INPUT_SIZE not in features:
        return None
    return f"{int(features[INPUT_SIZE])}/{len(ratios)}:{'+'.join(sorted(traits))}"


def class_excess(features: dict[str, float], traits: list[str], reference: dict,
                 min_clean: int = MIN_CLEAN, wide: float = 0.0,
                 wide_recipes: dict[str, dict] | None = None) -> float | None:
    """MM-BD's top class's ratio less the reference's for that class and kind; None where the
    run has no ratios, the kind has no reference or fewer than ``min_clean`` clean models, or
    the class is not one of the kind's naturally wide classes (:func:`wide_class`: there a
    small excess is no sign of a clean model — bounded activations flatten a backdoor target's
    margin too)."""
    read = excess_opened(features, traits, reference, min_clean, wide, wide_recipes)
    return None if read is None else read[0]


def excess_opened(features: dict[str, float], traits: list[str], reference: dict,
                  min_clean: int = MIN_CLEAN, wide: float = 0.0,
                  wide_recipes: dict[str, dict] | None = None
                  ) -> tuple[float, list[dict]] | None:
    """:func:`class_excess` and the kind's entries that open the top class (:func:`opening`),
    which :func:`excess_cap` reads (stop 75, hfix2: it had found the kind, the ratios, the top
    class and the opening entries again); None where :func:`class_excess` is None."""
    key = kind_key(features, traits)
    entry = reference.get(key) if key is not None else None
    if not isinstance(entry, dict) or int(entry.get("n_clean", 0)) < min_clean:
        return None
    ratios = class_ratios(features)
    assert ratios is not None  # kind_key read them
    top = top_of(ratios)
    median = entry.get("median") or []
    if len(median) != len(ratios):
        return None
    opened = opening(top, [entry, *((wide_recipes or {}).get(key) or [])], min_clean, wide,
                     features)
    return (ratios[top] - basis(top, float(median[top]), opened), opened) if opened else None


def basis(top: int, reference: float, opened: list[dict]) -> float:
    """What class ``top``'s ratio is read against: the reference's median, or the larger
    median of an opening recipe entry marked ``own_median`` (issue 9, stop 76: the user's
    two-epoch ReLU CNNs lean to class 7 at 1.32 times the median class, the reference's
    recipe at 1.08, so a clean model's lean there read as a backdoor's excess)."""
    return max([reference, *(float(e["median"][top]) for e in opened if e.get("own_median"))])


def own_basis(features: dict[str, float], opened: list[dict]) -> bool:
    """Whether the recorded excess was read against an opening ``own_median`` entry's median
    (:func:`basis` chose it: the recipe's own clean models, not the reference's), so that
    :func:`excess_note` names the median it read (stop 76 hfix3: h9c's named wording)."""
    ratios = class_ratios(features)
    if ratios is None or EXCESS not in features:
        return False
    top = top_of(ratios)
    read = ratios[top] - float(features[EXCESS])
    return any(math.isclose(float(e["median"][top]), read, rel_tol=1e-9, abs_tol=1e-12)
               for e in opened if e.get("own_median"))


def wide_class(top: int, entries: list[dict], min_clean: int, wide: float,
               features: dict[str, float] | None = None) -> bool:
    """Whether class ``top``'s median ratio is at least ``wide`` (or the entry's own ``wide``:
    issue 9 stop 73, a recipe whose clean models widen several classes may open only the widest)
    in one of ``entries`` (the reference's, then each other recipe's clean models of the kind)
    with ``min_clean`` models, whose ``guard`` (if any) ``features`` pass (:func:`guarded`)."""
    return bool(opening(top, entries, min_clean, wide, features))


def opening(top: int, entries: list[dict], min_clean: int, wide: float,
            features: dict[str, float] | None = None) -> list[dict]:
    """The ``entries`` that open class ``top`` (:func:`wide_class`'s test, entry by entry; an
    entry whose ``shut`` the run's second reading passes does not, issue 9 stop 76:
    :func:`.guard_reading.shut`)."""
    return [e for e in entries
            if int(e.get("n_clean", 0)) >= min_clean and top < len(e.get("median") or [])
            and float(e["median"][top]) >= float(e.get("wide", wide))
            and guarded(e, features or {}) and not shut(e, features or {})]


def excess_cap(features: dict[str, float], traits: list[str], fitted_on: dict) -> float:
    """The most an excess term fitted as ``fitted_on`` takes back on this run: the largest
    ``most`` of the kind's entries (reference, ``wide_recipes``) that open MM-BD's top class,
    an entry without one reading the term's ``most`` (issue 9, stop 75: on flat MLPs made by
    scikit-learn a weak backdoor's target stands no farther above the clean leans than they
    stand above each other, so the kind's entries take back less than a CNN kind's); the
    term's ``most`` where the term reads no excess (:func:`excess_opened` is None)."""
    read = excess_opened(features, traits, fitted_on.get("reference") or {},
                         int(fitted_on.get("min_clean", MIN_CLEAN)),
                         float(fitted_on.get("wide", 0.0)), fitted_on.get("wide_recipes"))
    return cap_of(read[1] if read else [], fitted_on)


def cap_of(opened: list[dict], fitted_on: dict) -> float:
    """The largest ``most`` of the ``opened`` entries (the term's ``most`` for one without it,
    and where none opened)."""
    most = float(fitted_on.get("most", math.inf))
    return max((float(e.get("most", most)) for e in opened), default=most)


def mask_lines(features: dict[str, float], opened: list[dict], min_clean: int, wide: float
               ) -> dict[int, float]:
    """Class -> the largest ``mask_line`` of the ``opened`` entries that open that class (none
    where no opened entry carries one): a recipe whose clean models lean to some classes so far
    that the data-free mask gate's search stands over the kind's line there (issue 9, stop 77
    h9c: the user's two-epoch CNNs at 2, 5 and 7) gives the gate its own line at each class
    it opens (:mod:`.mask_gate`)."""
    out: dict[int, float] = {}
    for e in opened:
        if "mask_line" in e:
            for c in range(len(e["median"])):
                if opening(c, [e], min_clean, wide, features):
                    out[c] = max(out.get(c, -math.inf), float(e["mask_line"]))
    return out


def guarded(entry: dict, features: dict[str, float]) -> bool:
    """Whether a run passes an entry's ``guard`` (``{feature: bound}``): each feature recorded
    and at most its bound (issue 9, stop 74: a recipe's clean models lean to classes 5 and 6 as
    far as a whole-image backdoor's ratio there, ``zoo/eval/sig-014``; MM-BD's own outlier
    reading of the top class, ``mmbd_anomaly``, parts the lean from the backdoor). An entry
    without a guard passes every run."""
    return all(isinstance(features.get(name), int | float)
               and float(features[name]) <= float(bound)
               for name, bound in (entry.get("guard") or {}).items())


def excess_term(verdict: ModelVerdict, calibrators: dict[str, Calibrator],
                scored_by: str) -> float:
    """Apply ``"<scored_by>:excess"`` in place where it is read: record ``mmbd_class_excess``,
    and where the term's score is negative add it to the probability's logit (recorded as
    ``excess_logit``); returns the logit added (0.0 where nothing was read or it is not
    negative)."""
    term = calibrators.get(f"{scored_by}:{TERM}")
    if term is None or verdict.probability is None:
        return 0.0
    min_clean = int(term.fitted_on.get("min_clean", MIN_CLEAN))
    read = excess_opened(verdict.features, verdict.traits,
                         term.fitted_on.get("reference") or {}, min_clean,
                         float(term.fitted_on.get("wide", 0.0)),
                         term.fitted_on.get("wide_recipes"))
    if read is None:
        return 0.0
    verdict.features[EXCESS] = float(read[0])
    if own_basis(verdict.features, read[1]):  # which median excess_note names
        verdict.features[EXCESS_OWN] = 1.0
    for c, line in mask_lines(verdict.features, read[1], min_clean,  # the mask gate's
                              float(term.fitted_on.get("wide", 0.0))).items():  # (stop 77)
        verdict.features[f"{EXCESS_MASK_LINE}{c}"] = line
    most = cap_of(read[1], term.fitted_on)
    lift = max(-most, min(0.0, term.logit(verdict.features)))
    if lift < 0.0:  # said by excess_note (stop 74)
        verdict.features[EXCESS_BEFORE] = float(verdict.probability)
    return lower_logit(verdict, lift, EXCESS_LOGIT)


def excess_note(features: dict[str, float]) -> str | None:
    """The sentence saying that the excess term lowered the verdict's probability: from what to
    what, at which class, and the clean reference it was read against (None where it did not
    lower). Read from the verdict's features alone; ``detect``'s text and the audit print it
    beside ``lower_note`` (issue 9, stop 74: a raise note said "raised from 0.006" with nothing
    saying what had brought the probability down there)."""
    moved = lowered_by(features, EXCESS_LOGIT, EXCESS_BEFORE)
    if moved is None:
        return None
    ratios = class_ratios(features)
    if ratios is None or EXCESS not in features:  # a record without the ratios
        return f"probability lowered {moved} by the calibration's excess term"
    top = top_of(ratios)
    excess = float(features[EXCESS])
    where = ("in the clean models of the recipe that leans there (that recipe's own median, "
             "not the reference's)" if features.get(EXCESS_OWN) else
             "in clean reference models of the same kind")  # stop 76 hfix3: h9c's own_median
    return (f"probability lowered {moved} by the calibration's excess term: MM-BD's top class "
            f"{top} is one clean models of this kind lean to, so its margin is read against "
            f"theirs: {ratios[top]:.2f} times the median class's here, "
            f"{ratios[top] - excess:.2f} {where} "
            f"({excess:+.2f}), so the term takes {-float(features[EXCESS_LOGIT]):.2f} logits "
            "off MM-BD's reading")  # stop 76: "takes MM-BD's reading back" read as cleared


def lowered_by(features: dict[str, float], record: str, before: str) -> str | None:
    """"from P to Q" (or "by N logits" where the probability before was not recorded) for a
    lowering term that recorded its logit as ``record`` and the probability before as
    ``before``; None where it did not lower (the excess and blend-sink notes)."""
    if record not in features:
        return None
    lift = float(features[record])
    was = features.get(before)
    return (f"from {was:.3f} to {shift_logit(float(was), lift):.3f}"
            if isinstance(was, int | float) else f"by {-lift:.2f} logits")


def lower_logit(verdict: ModelVerdict, lift: float, record: str) -> float:
    """Add ``lift`` (< 0) to the verdict's probability's logit and record it as ``record``;
    nothing where ``lift`` is not negative. Returns the logit added (the excess and centre
    terms' last step)."""
    if lift >= 0.0:
        return 0.0
    verdict.probability = shift_logit(verdict.probability, lift)
    verdict.features[record] = float(lift)
    return lift


def down_to_centre(stand: float | None, probability: float, fitted_on: dict) -> float:
    """The logit to add (<= 0) that brings ``probability`` down to ``fitted_on["centre"]``
    where a ``stand`` was read and is at most ``fitted_on["guard"]`` and the logit is above the
    centre; 0.0 otherwise (the twin-stand and named-check terms' one rule)."""
    if stand is None or stand > float(fitted_on["guard"]):
        return 0.0
    over = logit(probability) - float(fitted_on["centre"])
    return -over if over > 0 else 0.0


def check_guard_centre(key: str, base: str, term: Calibrator,
                       calibrators: dict[str, Calibrator], what: str) -> None:
    """Refuse (ValueError) what the lowering terms read alike (twin-stand, named-check): a
    ``what`` term with features, no calibrator ``base`` in the file, a ``guard`` that is not a
    number >= 0 or a ``centre`` that is not a finite number."""
    if term.features:
        raise ValueError(f"{key!r}: {what} reads no features, got {term.features}")
    if base not in calibrators:
        raise ValueError(f"{key!r}: no calibrator {base!r} in this file to correct")
    fitted = term.fitted_on
    if not (finite(fitted.get("guard")) and fitted["guard"] >= 0):
        raise ValueError(f"{key!r}: fitted_on.guard must be a number >= 0, got "
                         f"{fitted.get('guard')!r}")
    if not finite(fitted.get("centre")):
        raise ValueError(f"{key!r}: fitted_on.centre must be a number, got "
                         f"{fitted.get('centre')!r}")


def term_entries(calibrators: dict[str, Calibrator], suffix: str
                 ) -> list[tuple[str, str, Calibrator]]:
    """Each ``"<base>:<suffix>"`` entry of a calibration file as (key, base, entry): the
    entries a term's check reads (the excess, centre and gap terms)."""
    out = []
    for key, term in calibrators.items():
        base, sep, rest = key.rpartition(f":{suffix}")
        if sep and not rest:
            out.append((key, base, term))
    return out


def checked_entries(calibrators: dict[str, Calibrator], suffix: str, what: str
                    ) -> list[tuple[str, str, Calibrator]]:
    """:func:`term_entries` for a term that reads no features of its own and corrects a scorer
    of the same file: refused (ValueError) where an entry names features or its scorer is
    missing (the blend-sink and blend-low terms' first two checks)."""
    out = term_entries(calibrators, suffix)
    for key, base, term in out:
        if term.features:
            raise ValueError(f"{key!r}: the {what} term reads no features, got {term.features}")
        if base not in calibrators:
            raise ValueError(f"{key!r}: no calibrator {base!r} in this file to correct")
    return out


def check_excess_terms(calibrators: dict[str, Calibrator]) -> None:
    """Refuse (ValueError) an ``"…:excess"`` entry the term could not read: features other than
    ``[mmbd_class_excess]``, a scorer missing from the file, a reference that is not a map
    of kinds to ``{"n_clean": N, "median": [one number per class]}``, ``wide_recipes`` that do
    not map kinds to lists of such entries (each with an optional numeric ``wide``), a
    ``wide`` that is not a number, a ``most`` that is not a number > 0 or a ``min_clean`` that
    is not a whole number >= 1."""
    for key, base, term in term_entries(calibrators, TERM):
        if term.features != [EXCESS]:
            raise ValueError(f"{key!r}: an excess term reads [{EXCESS!r}], got {term.features}")
        if base not in calibrators:
            raise ValueError(f"{key!r}: no calibrator {base!r} in this file to correct")
        reference = term.fitted_on.get("reference")
        if not isinstance(reference, dict) or not all(map(_entry, reference.values())):
            raise ValueError(f"{key!r}: fitted_on.reference must map kinds to "
                             "{\"n_clean\": N, \"median\": [ratios]} (an optional "
                             "\"most\", a number > 0)")
        recipes = term.fitted_on.get("wide_recipes", {})
        if not isinstance(recipes, dict) or not all(
                isinstance(v, list) and all(map(_entry, v)) for v in recipes.values()):
            raise ValueError(f"{key!r}: fitted_on.wide_recipes must map kinds to lists of "
                             "{\"n_clean\": N, \"median\": [ratios]} (an optional numeric "
                             "\"wide\" and \"most\" > 0, an optional \"guard\" and \"shut\" of "
                             "feature names to numbers, an optional boolean \"own_median\", "
                             "an optional \"mask_line\" number)")
        most = term.fitted_on.get("most", 1.0)
        if (not isinstance(most, int | float) or isinstance(most, bool) or not most > 0
                or math.isnan(most)):
            raise ValueError(f"{key!r}: fitted_on.most must be a number > 0, got {most!r}")
        wide, min_clean = term.fitted_on.get("wide", 0.0), term.fitted_on.get("min_clean", 1)
        if not finite(wide):
            raise ValueError(f"{key!r}: fitted_on.wide must be a number, got {wide!r}")
        if not whole(min_clean, 1):
            raise ValueError(f"{key!r}: fitted_on.min_clean must be a whole number >= 1, got "
                             f"{min_clean!r}")


def _entry(value: object) -> bool:
    """A reference entry: ``{"n_clean": N, "median": [finite numbers]}`` (and, on a recipe,
    an optional finite ``wide``, an optional ``guard`` and ``shut``: feature names to finite
    numbers, an optional boolean ``own_median`` and an optional finite ``mask_line``; on any
    entry an optional ``most``, a finite number > 0)."""
    guard = value.get("guard", {}) if isinstance(value, dict) else None
    closed = value.get("shut", {}) if isinstance(value, dict) else None
    most = value.get("most", 1.0) if isinstance(value, dict) else None
    own = value.get("own_median", False) if isinstance(value, dict) else None
    line = value.get("mask_line", 0.0) if isinstance(value, dict) else None
    return (isinstance(value, dict) and isinstance(value.get("median"), list)
            and finite(most) and most > 0 and isinstance(own, bool) and finite(line)
            and all(finite(x) for x in value["median"]) and isinstance(value.get("n_clean"), int)
            and not isinstance(value["n_clean"], bool) and finite(value.get("wide", 0.0))
            and all(isinstance(g, dict) and all(isinstance(k, str) and finite(v)
                                                for k, v in g.items())
                    for g in (guard, closed)))
