"""A data-free flag at a naturally wide class checked by a small mask search (issue 9, stop 76).

Read without clean data, MM-BD's margins flag a few clean models made by other code at a class
their recipe widens, where backdoor targets stand too (docs/benchmarks.md, issue 9, stops
74-76). A second reading from the model alone parts them: a mask (and pattern) that sends MM-BD's
own maximising inputs of the other classes to a backdoor's target shrinks faster than the masks
of the least backdoor-like classes, and a clean wide class's does not.

Where a data-free ``auto`` verdict flags (p >= 0.5) with a probability a ``shift``-logit
lowering can take under 0.5, and the excess term read its named class, this gate searches a mask
for the named class and the ``refs`` classes with the lowest best MM-BD margin, one host per
other class (its best maximising input), up to ``steps`` Adam steps (ended at the first
``check`` where the stand is already over the line); the stand is
``log(median reference L1 / named class's L1)``. At or under the kind's ``line`` (CNN: an image
input; dense: a flat one) the probability loses ``shift`` logits, recorded as ``mask_logit``.
It never renames a class, and raises only through the opt-in ``lift`` below. The entry
``"auto:data-free:mask-gate"`` holds its constants; a file without it runs no search.

Where the excess term read the named class through a recipe entry carrying a ``mask_line``
(recorded per class it opens as ``mmbd_excess_mask_line_<class>``; issue 9, stop 77 h9c: the
user's two-epoch CNNs lean to 2, 5 and 7 so far that their clean flags stand over the kind's
line there), a second reading stands beside the kind's: the search runs over every class, and
the probability is also lowered where every class outside the references (the named one
included) stands at or under its own line, the recipe's at the classes it opens and the kind's
elsewhere (a backdoor flagged at a clean lean has its own target's mask stand high). Each
class's mask has its own loss, so the named class reads as the kind's gate reads it, and the
search ends at the first check where neither reading can lower.

Where the entry carries ``"noise": {"line": number, "count": whole, "seed": whole}`` (issue 9,
stop 80, opt-in: the shipped file has none), an image input the search did not lower is read a
third way, fitting nothing: the named class's share of ``count`` seeded uniform-noise inputs
less the references' median (:func:`trojanscope.detect.lean_probes.noise_stand`), recorded as
``mask_noise_stand``; at or under ``line`` the probability loses the same ``shift`` logits
(``mask_by_noise`` 1.0). A patch backdoor's trigger is a few bright pixels and noise lights
every place at once, so a backdoor's target takes much of the noise; some clean leans take
little of it.

Where the entry carries ``"lift": {"floor": number, "line": number, "side": whole, "hosts":
whole, "seed": whole}`` (issue 9, stop 81; the shipped entry carries it since stop 82), a
data-free verdict on an image input under the flag (``floor`` <= p < 0.5) that no term of the
gate lowered is read once more, fitting nothing: a white ``side`` x ``side`` square pasted at
each place near the image's corners on ``hosts`` seeded sparse inputs
(:func:`trojanscope.detect.lean_probes.corner_readings`). Since stop 82 the key may also hold
``top`` (how many of MM-BD's ranked classes are read; 1), ``need`` (``"take"``, or
``"corner"``: no inner place may reach the line either), ``count`` (the least corner places
sending every host; 0) and ``lit`` (the hosts' lit share; 0.12). The first read class that
reaches ``line`` so gains the entry's ``shift`` logits (``lift_logit``) and leads
``target_classes`` (``lift_class``). This is the gate's only raise: MM-BD reads some weak patch
backdoors (poison rate 0.02-0.03) under the flag at their own target or the class after it,
whose corner trigger still sends every sparse input there from several corner places; the
recipe's clean leans that take a white square whole take it inside the image too.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from trojanscope.detect.class_excess import (
    EXCESS,
    EXCESS_MASK_LINE,
    finite,
    lower_logit,
    lowered_by,
    whole,
)
from trojanscope.detect.logits import shift_logit, sigmoid

if TYPE_CHECKING:
    import torch
    from torch import nn

    from trojanscope.detect.base import ModelVerdict
    from trojanscope.detect.calibration import Calibrator

ENTRY = "auto:data-free:mask-gate"
MASK_STAND = "mask_stand"  # the named class's stand where the gate searched
MASK_STEPS = "mask_steps"  # the Adam steps the search ran
MASK_LOGIT = "mask_logit"  # the logit the gate added (where it lowered)
MASK_BEFORE = "probability_unmasked"  # the probability before it lowered
MASK_OTHER = "mask_over_line"  # the most a class stands over its line (a recipe's, stop 77)
MASK_BY_RECIPE = "mask_by_recipe_line"  # 1.0: the recipe's line lowered, not the kind's
MASK_NOISE = "mask_noise_stand"  # the named class's noise share over the references' (stop 80)
MASK_BY_NOISE = "mask_by_noise"  # 1.0: the noise reading lowered, not a mask line
LIFT_TAKE = "lift_corner_take"  # the named class's corner take under the flag (stop 81)
LIFT_LOGIT = "lift_logit"  # the logit the corner reading added (where it raised)
LIFT_BEFORE = "probability_unlifted"  # the probability before it raised
LIFT_CLASS = "lift_class"  # the class the corner reading raised at (stop 82: one of MM-BD's top)
KINDS = ("cnn", "dense")


def mask_search(model: nn.Module, X: torch.Tensor, M: torch.Tensor, steps: int, lam: float,
                hosts_per_class: int = 1, classes: list[int] | None = None, lr: float = 0.1,
                stop_when=None, check: int = 20) -> tuple[list[float], list[float]]:
    """:func:`search_masks`' L1s and success shares rounded (0.1, 0.01), as the gate reads
    them."""
    l1, hit = search_masks(model, X, M, steps, lam, hosts_per_class, classes, lr, stop_when,
                           check)
    return [round(v, 1) for v in l1], [round(v, 2) for v in hit]


def search_masks(model: nn.Module, X: torch.Tensor, M: torch.Tensor, steps: int, lam: float,
                 hosts_per_class: int = 1, classes: list[int] | None = None, lr: float = 0.1,
                 stop_when=None, check: int = 20) -> tuple[list[float], list[float]]:
    """Per class ``a`` (every class, or only ``classes``, in that order): the L1 of a mask and
    pattern found by ``steps`` Adam steps sending the other classes' best ``hosts_per_class``
    maximising inputs (``X``: classes x starts x input; ``M``: their margins) to ``a``, with
    cross-entropy + ``lam`` x L1, and its success share (:func:`fit_masks`)."""
    masks, _, hit = fit_masks(model, X, M, steps, lam, hosts_per_class, classes, lr, stop_when,
                              check)
    return [float(v) for v in masks.reshape(len(masks), -1).sum(1)], hit


def fit_masks(model: nn.Module, X: torch.Tensor, M: torch.Tensor, steps: int, lam: float,
              hosts_per_class: int = 1, classes: list[int] | None = None, lr: float = 0.1,
              stop_when=None, check: int = 20
              ) -> tuple[torch.Tensor, torch.Tensor, list[float]]:
    """:func:`search_masks`' search, returning each searched class's mask (k x 1 x grid, in
    [0, 1]) and pattern (k x channels x grid) beside the success shares. Each class's mask has
    its own loss, so searching fewer classes changes none of their values. The start is fixed
    (mask logits -2, pattern 0.5): nothing is drawn. ``stop_when(step, l1s)``, asked every
    ``check`` steps before that step's update, ends the search there when true. Runs with
    gradients on, whatever the caller's mode (the data-free guard search runs inside a
    detector's no-grad reading)."""
    import torch

    targets = list(range(len(X))) if classes is None else list(classes)
    k, shape = len(targets), tuple(X.shape[2:])
    # one mask value a pixel (shared by an image's channels) or a feature (a flat input); any
    # height and width, any length (stop 76 hrev: a square side was assumed, and a 20-feature
    # or 6x8 input raised a reshape error)
    chans, grid = (shape[0], shape[1:]) if len(shape) == 3 else (1, shape)
    idx = M.argsort(dim=1, descending=True)[:, :hosts_per_class]
    hosts = torch.stack([X[c, idx[c]] for c in range(len(X))])
    h = torch.cat([torch.cat([hosts[c] for c in range(len(X)) if c != a]) for a in targets])
    h = h.reshape(len(h), chans, *grid)
    rep = (len(X) - 1) * hosts_per_class
    labels = torch.tensor(targets).repeat_interleave(rep)
    mask = torch.full((k, 1, *grid), -2.0, requires_grad=True)
    pattern = torch.zeros(k, chans, *grid, requires_grad=True)
    opt = torch.optim.Adam([mask, pattern], lr=lr)
    with torch.enable_grad():
        for step in range(steps + 1):
            m = torch.sigmoid(mask).repeat_interleave(rep, 0)
            z = m * torch.sigmoid(pattern).repeat_interleave(rep, 0) + (1 - m) * h
            logits = model(z.reshape(len(h), *shape))
            if step == steps:
                break
            if stop_when is not None and step and step % check == 0:
                with torch.no_grad():
                    reached = torch.sigmoid(mask).reshape(k, -1).sum(1)
                if stop_when(step, [round(float(v), 1) for v in reached]):
                    break
            ce = torch.nn.functional.cross_entropy(logits, labels, reduction="none")
            loss = ce.reshape(k, rep).mean(1) + lam * torch.sigmoid(mask).reshape(k, -1).sum(1)
            opt.zero_grad(set_to_none=True)
            loss.sum().backward()
            opt.step()
    with torch.no_grad():
        hit = (logits.argmax(1) == labels).float().reshape(k, rep).mean(1)
        return torch.sigmoid(mask), torch.sigmoid(pattern), [float(v) for v in hit]


def references(M: torch.Tensor, top: int, n: int) -> list[int]:
    """The ``n`` classes other than ``top`` with the lowest best MM-BD margin."""
    best = M.max(dim=1).values.tolist()
    return sorted((c for c in range(len(best)) if c != top), key=lambda c: best[c])[:n]


def stand_of(l1: list[float]) -> float:
    """log(median of the references' L1s / the named class's), the named class first."""
    import numpy as np

    return round(math.log(float(np.median(l1[1:])) / max(l1[0], 1e-6)), 3)


def kind_of(shape: tuple[int, ...]) -> str:
    """``dense`` for a flat input (an MLP's), ``cnn`` for an image."""
    return "dense" if len(shape) == 1 else "cnn"


def over_lines(l1: list[float], refs: int, lines: list[float]) -> float:
    """The largest of each searched class's stand (against the references' median L1) less
    its line (``lines``, in the search's order), the references left out: a class stands
    over its line where this is above 0."""
    return max(stand_of([v, *l1[1:1 + refs]]) - line
               for i, (v, line) in enumerate(zip(l1, lines, strict=True))
               if not 1 <= i <= refs)


def gate_stand(model: nn.Module, X: torch.Tensor, M: torch.Tensor, top: int, fitted: dict
               ) -> tuple[float, int]:
    """The named class's stand and the steps the search ran (the module's text), with the
    entry's constants (``fitted``)."""
    line = float(fitted["line"][kind_of(tuple(X.shape[2:]))])
    l1, ran = _searched(model, X, M, top, fitted, False, lambda l1: stand_of(l1) > line)
    return stand_of(l1), ran


def wide_stand(model: nn.Module, X: torch.Tensor, M: torch.Tensor, top: int, fitted: dict,
               lines: dict[int, float]) -> tuple[float, float, int, str | None]:
    """A recipe's lines (the module's text; ``lines``: class -> the recipe's line, the kind's
    line elsewhere), read beside the kind's gate: one search over every class (each class's
    mask has its own loss, so the named class's stands are the kind gate's), ended at the
    first check where neither reading can lower any more. Returns the named class's stand,
    the most any class stands over its line (:func:`over_lines`), the steps run and which
    reading lowers (``"kind"`` before ``"recipe"``; None where neither does)."""
    refs = int(fitted["refs"])
    kind_line = float(fitted["line"][kind_of(tuple(X.shape[2:]))])
    order = [top, *references(M, top, refs)]
    order += [c for c in range(len(X)) if c not in order]
    each = [lines.get(c, kind_line) for c in order]
    alive = {"kind": True, "recipe": True}

    def over(l1: list[float]) -> bool:
        alive["kind"] = alive["kind"] and stand_of(l1[:1 + refs]) <= kind_line
        alive["recipe"] = alive["recipe"] and over_lines(l1, refs, each) <= 0.0
        return not any(alive.values())

    l1, ran = _searched(model, X, M, top, fitted, True, over)
    over(l1)  # the last masks (a search that ran every step was not asked at its end)
    by = next((k for k, ok in alive.items() if ok), None)
    return stand_of(l1[:1 + refs]), over_lines(l1, refs, each), ran, by


def _searched(model: nn.Module, X: torch.Tensor, M: torch.Tensor, top: int, fitted: dict,
              every: bool, over) -> tuple[list[float], int]:
    """The gate's search (the named class, its references and, with ``every``, the other
    classes in class order), ended at the first check where ``over(l1s)``: the L1s and the
    steps run."""
    steps = int(fitted["steps"][kind_of(tuple(X.shape[2:]))])
    ran = {"steps": steps}
    classes = [top, *references(M, top, int(fitted["refs"]))]
    if every:
        classes += [c for c in range(len(X)) if c not in classes]

    def stop(step: int, l1: list[float]) -> bool:
        if over(l1):
            ran["steps"] = step
            return True
        return False

    from trojanscope.engine.modes import eval_mode

    params = list(getattr(model, "parameters", list)())
    grads = [p.requires_grad for p in params]
    for p in params:
        p.requires_grad_(False)
    try:  # the user's model as it came back, as ModelDetector.inspect leaves it (stop 76 hrev)
        with eval_mode(model):
            l1, _ = mask_search(model, X, M, steps, float(fitted["lam"]), hosts_per_class=1,
                                classes=classes, lr=float(fitted["lr"]), stop_when=stop,
                                check=int(fitted["check"]))
    finally:
        for p, g in zip(params, grads, strict=True):
            p.requires_grad_(g)
    return l1, ran["steps"]


def mask_gate(verdict: ModelVerdict, model: nn.Module, maximisers: tuple | None,
              calibrators: dict[str, Calibrator]) -> float:
    """Apply the gate in place where it reads (the module's text); returns the logit added
    (0.0 where it did not lower). ``maximisers``: MM-BD's (inputs, margins) of this read."""
    gate = calibrators.get(ENTRY)
    p = verdict.probability
    if (gate is None or maximisers is None or not verdict.data_free or p is None
            or not verdict.target_classes or verdict.features.get(EXCESS) is None):
        return 0.0
    fitted = gate.fitted_on
    shift = float(fitted["shift"])
    if not 0.5 <= p < sigmoid(shift):  # no search could change this verdict
        return 0.0
    x, m = maximisers
    k = len(verdict.per_class)  # MM-BD's: one row a class, its starts in class order
    if k < 2 or len(x) % k:
        return 0.0
    X = x.reshape(k, -1, *x.shape[1:])
    M = m.reshape(k, -1)
    top = int(verdict.target_classes[0])
    lines = {c: float(verdict.features[f"{EXCESS_MASK_LINE}{c}"]) for c in range(k)
             if f"{EXCESS_MASK_LINE}{c}" in verdict.features}
    if top not in lines:
        stand, ran = gate_stand(model, X, M, top, fitted)
        lowers = stand <= float(fitted["line"][kind_of(tuple(X.shape[2:]))])
    else:  # the opening recipe's line beside the kind's, every class searched (stop 77)
        stand, other, ran, by = wide_stand(model, X, M, top, fitted, lines)
        verdict.features[MASK_OTHER] = round(other, 3)
        lowers = by is not None
        if by == "recipe":
            verdict.features[MASK_BY_RECIPE] = 1.0
    verdict.features[MASK_STAND] = stand
    verdict.features[MASK_STEPS] = float(ran)
    if not lowers and isinstance(fitted.get("noise"), dict) and len(X.shape) == 5:
        lowers = noise_lowers(verdict, model, tuple(X.shape[2:]), top,
                              references(M, top, int(fitted["refs"])), k, fitted["noise"])
    if not lowers:
        return 0.0
    verdict.features[MASK_BEFORE] = float(p)
    return lower_logit(verdict, -shift, MASK_LOGIT)


def noise_lowers(verdict: ModelVerdict, model: nn.Module, shape: tuple[int, ...], top: int,
                 refs: list[int], k: int, noise: dict) -> bool:
    """The entry's ``noise`` reading (the module's text), recorded on ``verdict``; True where
    it lowers."""
    from trojanscope.detect.lean_probes import noise_stand

    # eval mode, batches and no gradient: the engine's predict, which every probe reads through
    stand = noise_stand(model, shape, top, refs, k, int(noise["count"]), int(noise["seed"]))
    verdict.features[MASK_NOISE] = stand
    if stand > float(noise["line"]):
        return False
    verdict.features[MASK_BY_NOISE] = 1.0
    return True


LIFT_NEEDS = ("take", "corner")  # what a read class must show (stop 82: ``corner``)


def lift_class(model: nn.Module, shape: tuple[int, ...], ranked: list[int], k: int,
               lift: dict) -> tuple[int | None, float]:
    """The first of MM-BD's ``top`` ranked classes (``ranked``) whose corner readings
    (:func:`trojanscope.detect.lean_probes.corner_readings` on hosts lit ``lit``) reach the
    entry's ``line`` (with ``count``, that many corner places or more sending every host; and,
    where ``need`` is ``corner``, no inner place reaching the line), or None; and the named
    class's corner take."""
    from trojanscope.detect.lean_probes import corner_readings

    line = float(lift["line"])
    need = lift.get("need", "take")
    got = corner_readings(model, shape, k, int(lift["side"]), int(lift["hosts"]),
                          int(lift["seed"]), float(lift.get("lit", 0.12)), need == "corner")
    for c in ranked[:int(lift.get("top", 1))]:
        g = got[c]
        if g["corner"] < line or g["corner_full"] < int(lift.get("count", 0)):
            continue
        if need == "corner" and g["inner"] >= line:
            continue
        return c, got[ranked[0]]["corner"]
    return None, got[ranked[0]]["corner"]


def lift_gate(verdict: ModelVerdict, model: nn.Module, maximisers: tuple | None,
              calibrators: dict[str, Calibrator]) -> float:
    """The entry's opt-in ``lift`` (issue 9, stops 81-82; the module's text): where a
    data-free verdict on an image input stands at ``floor`` <= p < 0.5 and no term of the gate
    lowered it, the named class's corner take is recorded as ``lift_corner_take``; where one of
    MM-BD's ``top`` classes reads as :func:`lift_class` asks, the probability gains the entry's
    ``shift`` logits (``lift_logit``) and that class leads ``target_classes``
    (``lift_class``). Returns the logit added (0.0 where it did not raise)."""
    gate = calibrators.get(ENTRY)
    lift = gate.fitted_on.get("lift") if gate is not None else None
    p = verdict.probability
    if (not isinstance(lift, dict) or maximisers is None or not verdict.data_free or p is None
            or not verdict.target_classes or MASK_LOGIT in verdict.features
            or not float(lift["floor"]) <= p < 0.5):
        return 0.0
    shape = tuple(maximisers[0].shape[1:])
    if len(shape) != 3:  # an image input only: the square needs rows and columns
        return 0.0
    ranked = [int(c) for c in verdict.target_classes]  # in eval mode: the engine's predict
    c, take = lift_class(model, shape, ranked, len(verdict.per_class), lift)
    verdict.features[LIFT_TAKE] = take
    if c is None:
        return 0.0
    shift = float(gate.fitted_on["shift"])
    verdict.features[LIFT_BEFORE] = float(p)
    verdict.features[LIFT_LOGIT] = shift
    verdict.features[LIFT_CLASS] = float(c)
    verdict.probability = shift_logit(p, shift)
    verdict.target_classes = [c, *(o for o in ranked if o != c)]
    return shift


def lift_note(features: dict[str, float], named: int | None) -> str | None:
    """The sentence saying the corner reading raised the probability (None where it did
    not)."""
    if LIFT_LOGIT not in features or LIFT_BEFORE not in features:
        return None
    which = f"class {named}" if named is not None else "the named class"
    return (f"probability raised from {features[LIFT_BEFORE]:.2f} to "
            f"{shift_logit(features[LIFT_BEFORE], features[LIFT_LOGIT]):.2f} by the data-free "
            f"mask gate's corner reading: a small white square at a corner of the image sends "
            f"{features.get(LIFT_TAKE, float('nan')):.0%} of seeded sparse inputs to {which}, "
            "as a patch backdoor's trigger does (the recipe's clean leans can too: check with "
            "--data)")


def mask_note(features: dict[str, float], named: int | None) -> str | None:
    """The sentence saying the gate lowered the probability, or its corner reading raised it
    (None where neither moved it)."""
    moved = lowered_by(features, MASK_LOGIT, MASK_BEFORE)
    if moved is None:
        return lift_note(features, named)
    which = f"class {named}" if named is not None else "the named class"
    line = features.get(f"{EXCESS_MASK_LINE}{named}")
    if features.get(MASK_BY_NOISE):  # the noise reading (stop 80)
        return (f"probability lowered {moved} by the data-free mask gate's noise reading: "
                f"{which} takes no more of seeded uniform noise than the least backdoor-like "
                f"classes do by {features.get(MASK_NOISE, float('nan')):.2f} (a patch "
                "backdoor's target takes much of it), as some clean leans do")
    if features.get(MASK_BY_RECIPE) and line is not None:  # the recipe's lines (stop 77)
        also = (f", under its recipe's line {float(line):.2f}, and no other class stands over "
                "its own line (the recipe's where it leans, the kind's elsewhere)")
    else:
        also = ""
    return (f"probability lowered {moved} by the data-free mask gate: a mask search on MM-BD's "
            f"own maximising inputs reaches {which} no faster than the least backdoor-like "
            f"classes (stand {features.get(MASK_STAND, float('nan')):.2f}){also}, as clean "
            "models' naturally wide classes do")


def check_mask_gate(calibrators: dict[str, Calibrator]) -> None:
    """Refuse (ValueError) an ``"auto:data-free:mask-gate"`` entry the gate could not read:
    features, ``shift`` / ``lam`` / ``lr`` not positive numbers, ``line`` / ``steps`` not a
    number per kind (steps whole >= 1), ``refs`` / ``check`` not whole numbers >= 1."""
    gate = calibrators.get(ENTRY)
    if gate is None:
        return
    fitted = gate.fitted_on
    if gate.features:
        raise ValueError(f"{ENTRY!r}: the mask gate reads no features, got {gate.features}")
    for name in ("shift", "lam", "lr"):
        if not finite(fitted.get(name)) or float(fitted[name]) <= 0:
            raise ValueError(f"{ENTRY!r}: fitted_on.{name} must be a positive number, got "
                             f"{fitted.get(name)!r}")
    for name in ("refs", "check"):
        if not whole(v := fitted.get(name), 1):
            raise ValueError(f"{ENTRY!r}: fitted_on.{name} must be a whole number >= 1, got "
                             f"{v!r}")
    check_noise(fitted.get("noise", {}))
    check_lift(fitted.get("lift", {}))
    line, steps = fitted.get("line"), fitted.get("steps")
    if not (isinstance(line, dict) and all(finite(line.get(k)) for k in KINDS)
            and isinstance(steps, dict) and all(whole(steps.get(k), 1) for k in KINDS)):
        raise ValueError(f"{ENTRY!r}: fitted_on.line and fitted_on.steps must give a number "
                         f"for each of {', '.join(KINDS)} (steps whole, >= 1)")


def check_noise(noise: object) -> None:
    """Refuse (ValueError) a ``noise`` key the gate could not read: not a map, ``line`` not a
    number, ``count`` not a whole number >= 1, ``seed`` not a whole number >= 0 (no key: {})."""
    if noise == {}:
        return
    if not (isinstance(noise, dict) and finite(noise.get("line"))
            and whole(noise.get("count"), 1) and whole(noise.get("seed"), 0)):
        raise ValueError(f"{ENTRY!r}: fitted_on.noise must be a map with a number 'line', a "
                         f"whole 'count' >= 1 and a whole 'seed' >= 0, got {noise!r}")


def check_lift(lift: object) -> None:
    """Refuse (ValueError) a ``lift`` key the gate could not read: not a map, ``floor`` not a
    number in [0, 0.5), ``line`` not a number in (0, 1], ``side`` / ``hosts`` not whole numbers
    >= 1, ``seed`` not a whole number >= 0; where given (stop 82), ``top`` not a whole number
    >= 1, ``count`` not a whole number >= 0, ``lit`` not a number in (0, 1), ``need`` not one of
    :data:`LIFT_NEEDS` (no key: {})."""
    if lift == {}:
        return
    ok = isinstance(lift, dict) and finite(lift.get("floor")) and finite(lift.get("line"))
    ok = ok and 0.0 <= float(lift["floor"]) < 0.5 and 0.0 < float(lift["line"]) <= 1.0
    ok = ok and whole(lift.get("side"), 1) and whole(lift.get("hosts"), 1)
    if not (ok and whole(lift.get("seed"), 0)):
        raise ValueError(f"{ENTRY!r}: fitted_on.lift must be a map with a number 'floor' in "
                         f"[0, 0.5), a number 'line' in (0, 1], whole 'side' and 'hosts' >= 1 "
                         f"and a whole 'seed' >= 0, got {lift!r}")
    lit = lift.get("lit", 0.12)
    ok = whole(lift.get("top", 1), 1) and whole(lift.get("count", 0), 0)
    if not (ok and finite(lit) and 0.0 < float(lit) < 1.0 and lift.get("need", "take")
            in LIFT_NEEDS):
        raise ValueError(f"{ENTRY!r}: fitted_on.lift's 'top' must be a whole number >= 1, "
                         f"'count' a whole number >= 0, 'lit' a number in (0, 1) and 'need' "
                         f"one of {', '.join(LIFT_NEEDS)}, got {lift!r}")


def gate_read(verdict: ModelVerdict, model: nn.Module, detector: object,
              calibrators: dict[str, Calibrator]) -> str | None:
    """The gate after :func:`~trojanscope.detect.calibration.calibrate`, on ``detector``'s kept
    maximising inputs; returns its note where it lowered. Callers holding a model call both
    through :func:`~trojanscope.detect.calibration.calibrate_model` (stop 77, hcode).
    The note is the caller's to show beside the excess term's, not a coverage note (stop 76
    read-through, hrev: among ``coverage_notes`` it was printed under "outside the calibration's
    coverage", and the audit rated an in-coverage model MEDIUM for lying outside it)."""
    kept = getattr(detector, "maximisers", None)
    mask_gate(verdict, model, kept, calibrators)
    lift_gate(verdict, model, kept, calibrators)  # opt-in, under the flag (stop 81)
    named = int(verdict.target_classes[0]) if verdict.target_classes else None
    return mask_note(verdict.features, named)
