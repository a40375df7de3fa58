"""Mitigation end to end: split the clean data, measure, purify, measure again.

The user's clean data is split once (stratified, from ``seed``): the method sees only the
``fit`` part, and every figure (CA, and ASR/RA when a trigger is known) is measured on the
held-out part, so a method cannot score itself on the samples it trained on. This is the API
behind ``trojanscope mitigate`` and ``trojanscope zoo eval-mitigation``.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor, nn

from trojanscope.data.dataset import TensorDataset, stratified_split
from trojanscope.engine.metrics import accuracy, flip_rate, predict
from trojanscope.errors import TooFewPerClass, UserInputError
from trojanscope.mitigate.auto import AUTO_WITH_DATA
from trojanscope.mitigate.base import Mitigation, same_state
from trojanscope.mitigate.wrong_class import other_class_words
from trojanscope.params import check_share, init_parameters

DEFAULT_HOLDOUT = 0.5  # the share of the clean data held out for the figures
MIN_HELDOUT = 50  # fewer held-out samples give figures too coarse to judge a method by
# the smallest share ``shrink_holdout`` lowers the default ``--holdout`` 0.5 to (stop 74): below
# it the figures rest on too few samples of a small class to be worth the method's gain
LEAST_SHRUNK_HOLDOUT = 0.25
# the backdoor is read as still there (a note only: stop 74's first contact, ``anp`` left ASR
# 100% -> 100% with no word) where the ASR after is at least this share of the ASR before ...
STILL_SHARE = 0.5
STILL_ASR = 0.10  # ... and above this


@dataclass
class TriggeredSet:
    """Triggered inputs with their true labels and the attacker's labels (ASR and RA), and
    where known (``clean``) the same inputs without the trigger: the flip rate then reads only
    the inputs the model does not already send to the target (stop 78, htsa: an undertrained
    table MLP sent 70.24% of the fraud rows to class 0 without the trigger, and the audit read
    its 71.43% ASR as a backdoor left by ``mitigate``)."""

    x: Tensor
    y: Tensor
    target: Tensor
    source: str
    clean: Tensor | None = None


@dataclass
class MitigationResult:
    """The purified model and what was measured before and after."""

    model: nn.Module
    method: str
    params: dict[str, Any]
    clean_samples: int
    heldout_samples: int
    data_digest: str | None
    before: dict[str, float]
    after: dict[str, float]
    elapsed_s: float
    notes: list[str] = field(default_factory=list)
    # The process's CPU seconds over the same span (user + system, every thread of this
    # process; child processes not counted). With torch on one thread it is about the wall
    # time a quiet core would take: the time goal read apart from the machine's load.
    cpu_s: float | None = None
    # What an adaptive method chose for this model (its ``report_``), whole and JSON-ready: in
    # --format json and the record (manifest / mitigation.json); the text notes give a summary
    decided: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "params": self.params,
            "clean_samples": self.clean_samples,
            "heldout_samples": self.heldout_samples,
            "data_digest": self.data_digest,
            "before": self.before,
            "after": self.after,
            "elapsed_s": self.elapsed_s,
            "cpu_s": self.cpu_s,
            "notes": self.notes,
            "decided": self.decided,
        }


def data_digest(ds: TensorDataset) -> str:
    """SHA-256 of the samples and labels (the same data gives the same digest, whatever file)."""
    h = hashlib.sha256()
    h.update(ds.x.contiguous().numpy().tobytes())
    h.update(ds.y.contiguous().numpy().tobytes())
    return h.hexdigest()


def check_holdout(holdout: float) -> None:
    """``--holdout`` is a share strictly between 0 and 1 (NaN refused)."""
    check_share("--holdout", holdout)


def split_clean(
    clean: TensorDataset, holdout: float, seed: int, *, needs_data: bool
) -> tuple[TensorDataset | None, TensorDataset]:
    """(the method's samples, the held-out evaluation samples); data-free methods get none and
    the whole set is held out."""
    if not needs_data:
        return None, clean
    check_holdout(holdout)
    fit_idx, held_idx = stratified_split(clean.y.numpy(), holdout, seed)
    return clean.subset(fit_idx), clean.subset(held_idx)


def check_fits(model: nn.Module, ds: TensorDataset, input_shape: tuple[int, ...] | None,
               num_classes: int | None, what: str) -> None:
    """A clear error when the data's input shape or classes do not fit the model."""
    if input_shape is not None and tuple(input_shape) != ds.input_shape:
        raise UserInputError(
            f"{what}: inputs of shape {list(ds.input_shape)} do not fit the model "
            f"(expects {list(input_shape)})"
        )
    try:
        out = predict(model, ds.x[:2])
    except RuntimeError as exc:
        raise UserInputError(
            f"{what}: the model cannot take inputs of shape {list(ds.input_shape)} "
            f"({str(exc).splitlines()[0]})"
        ) from None
    classes = num_classes or int(out.shape[1])
    if int(ds.y.max()) >= classes or int(out.shape[1]) != classes:
        raise UserInputError(
            f"{what}: labels go up to {int(ds.y.max())} but the model has {classes} classes"
        )


def measure(model: nn.Module, held: TensorDataset | None,
            triggered: TriggeredSet | None) -> dict[str, float]:
    """CA on the held-out clean data; ASR and RA on the triggered set, when given, and its
    flip rate (:func:`~trojanscope.engine.metrics.flip_rate`) where the set carries its inputs
    without the trigger: 0.0 where the model sends every one to the target already (the
    trigger has nothing to move), with ``flip_inputs``, the inputs it is read on (and
    ``asr_inputs``, the ASR's: the audit's ``TSA120`` states its interval from them)."""
    out: dict[str, float] = {}
    if held is not None:
        out["ca"] = accuracy(model, held.x, held.y)
    if triggered is not None:
        pred = predict(model, triggered.x).argmax(1)
        out["asr"] = float((pred == triggered.target).float().mean())
        out["ra"] = float((pred == triggered.y).float().mean())
        out["asr_inputs"] = len(triggered.x)  # the ASR's count, as the flip rate's (stop 79)
        if triggered.clean is not None:
            flips, n = flip_rate(predict(model, triggered.clean).argmax(1), pred,
                                 triggered.target)
            out["flip"] = flips if n else 0.0
            out["flip_inputs"] = n  # how many it is read on: 20 say less than 2,000
    return out


def mitigate(
    model: nn.Module,
    method: Mitigation,
    clean: TensorDataset | None,
    *,
    holdout: float = DEFAULT_HOLDOUT,
    seed: int = 0,
    trigger_of=None,
    input_shape: tuple[int, ...] | None = None,
    num_classes: int | None = None,
    shrink_holdout: bool = False,
    default: str | None = None,
    second_split: bool = False,
) -> MitigationResult:
    """Purify ``model`` with ``method`` and measure it before and after on held-out data.

    ``trigger_of(held)`` returns the :class:`TriggeredSet` to measure ASR/RA on (built from the
    held-out samples, or a fixed file); the method itself never sees it. ``shrink_holdout``
    (``mitigate`` without ``--holdout``): where the method finds too few samples of a class in
    its share, take the largest share at or below ``holdout`` (not below
    :data:`LEAST_SHRUNK_HOLDOUT`) that gives every class its need, said in a note (stop 74:
    200 images with 8 of a class were refused at the default 0.5); a run that works at
    ``holdout`` is not touched. ``default``: the method ``auto`` gives this model with clean
    data (``gated`` where None), named in the note where the backdoor is still there
    (:func:`still_there_words`). ``second_split``: where ``gated``'s CA guard stopped its
    second stage, the run goes again with ``seed + 1`` (the residual probe cannot skip its
    stage there), kept only where its stage ran and its guard did not stop it
    (:mod:`~trojanscope.mitigate.second_split`); a data-free run says it had nothing to split.
    """
    if second_split:
        from trojanscope.mitigate.second_split import retried, unsplit

        def again(s: int) -> MitigationResult:  # the same run, one split, seed s
            return mitigate(model, method, clean, holdout=holdout, seed=s, trigger_of=trigger_of,
                            input_shape=input_shape, num_classes=num_classes,
                            shrink_holdout=shrink_holdout, default=default)

        data = clean is not None and method.needs_data
        return retried(again, seed, method) if data else unsplit(again(seed), method.name)
    if clean is None and method.needs_data:
        method.apply(model, None)  # raises the method's own "needs clean data" error
    notes: list[str] = []
    fit = held = None
    if clean is not None:
        check_fits(model, clean, input_shape, num_classes, clean.source or clean.name)
        fit, held = split_clean(clean, holdout, seed, needs_data=method.needs_data)
        short_fit = fit is not None and len(fit) < method.min_samples
        if len(held) < MIN_HELDOUT or short_fit:
            need = MIN_HELDOUT / (holdout if fit is not None else 1.0)
            if fit is not None:
                need = max(need, method.min_samples / (1 - holdout))
            raise UserInputError(
                f"{clean.source or clean.name}: {len(clean)} clean samples are too few for "
                f"mitigation {method.name!r}: it trains on at least {method.min_samples} and "
                f"the figures need {MIN_HELDOUT} held out (--holdout {holdout}); "
                + rounded_words(clean, holdout, len(held), math.ceil(need), method.min_samples)
            )
        notes.append(
            f"clean data split (seed {seed}): {len(fit)} samples for the method, {len(held)} "
            "held out for the figures" if fit is not None else
            f"data-free method: all {len(held)} clean samples are held out for the figures"
        )
    else:
        notes.append("data-free: no clean data, so clean accuracy is not measured")
    share, purified = holdout, None
    while purified is None:  # the share first (the method's own try), then one measurement
        start, cpu = time.perf_counter(), time.process_time()
        method.offer_held(held)  # gated's read_least: its detector may read them too
        try:
            purified = method.apply(model, fit, seed=seed)
        except TooFewPerClass as exc:  # a method's detector, on the split's share
            if fit is None:
                raise
            assert clean is not None
            smaller = (holdout_for(clean, share, exc.needed)
                       if shrink_holdout and share == holdout else None)  # lowered once
            if smaller is None or smaller < LEAST_SHRUNK_HOLDOUT:
                raise too_few_words(exc, method.name, len(fit), clean, share) from None
            share = smaller
            fit, held = split_clean(clean, share, seed, needs_data=True)
            notes[-1] = shrunk_words(method.name, exc, share, len(fit), len(held), seed)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    # ``apply`` works on a copy, so the model measured here is the one given
    triggered = trigger_of(held) if trigger_of is not None else None
    before = measure(model, held, triggered)
    after = measure(purified, held, triggered)
    decided = getattr(method, "report_", None)  # what an adaptive method chose for this model
    if decided:
        decided = json_ready(decided)
        notes.append(decided_words(method.name, decided))
        if asked := asked_words(method, decided):
            notes.append(asked)
    if same_weights(model, purified):
        notes.append(unchanged_words(method.name, data_free=clean is None))
    elif triggered is not None and (kept := still_there_words(
            method.name, before, after, len(triggered.x), default or AUTO_WITH_DATA,
            data_free=clean is None) or weakened_words(method.name, before, after)):
        notes.append(kept)
        verdict = getattr(method, "verdict_", None)  # gated's detector reading, if it ran
        if wrong := other_class_words(
                method.name, decided, triggered.target, triggered.source,
                getattr(verdict, "target_classes", None),
                getattr(method, "read_", None) or (len(fit) if fit is not None else None),
                len(clean) if clean is not None else None):
            notes.append(wrong)
    return MitigationResult(
        model=purified,
        method=method.name,
        params=method.get_params(),
        clean_samples=len(fit) if fit is not None else 0,
        heldout_samples=len(held) if held is not None else 0,
        data_digest=data_digest(clean) if clean is not None else None,
        before=before,
        after=after,
        elapsed_s=elapsed,
        notes=notes,
        cpu_s=cpu,
        decided=decided or None,
    )


SHORT_VALUE = 60  # a decision entry longer than this (or nested) is named, not printed


def json_ready(decided: dict[str, Any]) -> dict[str, Any]:
    """``decided`` as plain JSON values (NumPy or tensor scalars as numbers, keys as text)."""
    from trojanscope.io.json_file import dumps, loads

    def plain(value: Any) -> Any:
        return value.tolist() if hasattr(value, "tolist") else str(value)

    return loads(dumps(decided, default=plain))


def decided_words(method: str, decided: dict[str, Any]) -> str:
    """One note for the text output: the decision's short plain entries (its ``action`` always)
    and the names of the rest, which --format json and the record give whole (stop 73, hfix:
    ``gated decided:`` printed its whole dict, ``'reach': [[None, None, …]]``, 12 lines at 80
    columns)."""
    shown, named = [], []
    for key, value in decided.items():
        short = not isinstance(value, dict | list) and len(str(value)) <= SHORT_VALUE
        (shown if short or key == "action" else named).append(key)
    words = f"{method} decided: " + ", ".join(f"{k}={decided[k]}" for k in shown)
    if named:
        words += (f" (and {', '.join(named)}: in full under \"decided\" in --format json and "
                  "the output folder's manifest.json or mitigation.json)")
    return words


def asked_words(method: Mitigation, decided: dict[str, Any]) -> str | None:
    """What each step the user set away from its default did, in one note (stop 76: with
    ``--method-param aug_last=5`` or ``mask_black=200`` the console named the step among 13
    others, its outcome only in the record, so a user could not tell whether it ran)."""
    try:  # the resolved defaults: gated's signature holds None for "the shipped value"
        defaults = type(method)().get_params()
    except TypeError:  # a method with a required argument: its signature's defaults
        defaults = {p.name: p.default for p in init_parameters(type(method))
                    if p.default is not p.empty}
    said = [f"{name}={value} (asked for): {decided[name]['action']}"
            for name, value in method.get_params().items()
            if name in defaults and value != defaults[name]
            and isinstance(decided.get(name), dict) and "action" in decided[name]]
    return "; ".join(said) or None


def too_few_words(exc: TooFewPerClass, method: str, fit: int, clean: TensorDataset,
                  holdout: float) -> TooFewPerClass:
    """The refusal where a method's detector finds too few samples of a class in its share:
    the detector's words and :func:`fit_words`."""
    words = fit_words(method, fit, clean, holdout, exc.needed)
    step = (f"mitigation {method!r} first runs detector {exc.method!r} on the clean "
            f"samples it trains on, and the detector {exc.shortage}" if exc.method else
            f"{exc}")  # stop 73 (hfix): "method 'auto'" read as the mitigation's name
    return TooFewPerClass(f"{step}; {words}", exc.needed, exc.method, exc.shortage)


def shrunk_words(method: str, exc: TooFewPerClass, smaller: float, fit: int, held: int,
                 seed: int) -> str:
    """The one note where ``shrink_holdout`` lowered the default share (stop 74), in place of
    the split's usual note."""
    who = f"{method}'s detector {exc.method!r}" if exc.method else method
    return (f"clean data split (seed {seed}): {fit} samples for the method, {held} held out "
            f"for the figures (--holdout {smaller:g}, not the default {DEFAULT_HOLDOUT:g}: "
            f"{who} needs {exc.needed} clean samples of each class to train on; give --holdout "
            "to choose the share)")


def fit_words(method: str, fit: int, clean: TensorDataset, holdout: float, needed: int) -> str:
    """Where a method finds too few clean samples of a class: it saw only the split's share
    (stop 73: a user's 200 images read "100 given", class 0's 8 split 4 and 4, with no word of
    why), and the share that would do (:func:`holdout_for`; stop 73, hrev)."""
    given = len(clean)
    smaller = holdout_for(clean, holdout, needed)
    way = (f", or a smaller --holdout ({smaller:g} leaves each class {needed} to train on)"
           if smaller is not None else
           f" (no smaller --holdout leaves each class {needed} and {MIN_HELDOUT} held out)")
    return (f"{method} trains on {fit} of the {given} clean samples given, the other "
            f"{given - fit} held out for the before/after figures (--holdout {holdout:g}): "
            f"give more samples of those classes{way}")


def holdout_for(clean: TensorDataset, holdout: float, needed: int) -> float | None:
    """The largest ``--holdout`` below ``holdout``, in steps of 0.05, at which the split
    (:func:`~trojanscope.data.dataset.stratified_split`) leaves every class of ``clean`` at
    least ``needed`` to train on and ``MIN_HELDOUT`` held out; ``None`` where none does."""
    labels = clean.y
    for step in range(math.ceil(holdout * 20) - 1, 0, -1):
        share = step / 20
        fit_idx, held_idx = stratified_split(labels.numpy(), share, 0)  # counts: seed-free
        fit_counts = torch.bincount(labels[torch.from_numpy(fit_idx)],
                                    minlength=clean.num_classes)
        if len(held_idx) >= MIN_HELDOUT and bool((fit_counts >= needed).all()):
            return share
    return None


def rounded_words(clean: TensorDataset, holdout: float, held: int, need: int,
                  min_fit: int) -> str:
    """The refusal's remedy: "give at least NEED", or, where the file already holds NEED and
    the split by class rounded the held-out part below :data:`MIN_HELDOUT` (stop 78, hgd:
    ``--holdout 0.25`` on 200 images held out 49 and said "give at least 200"), that count and
    the smallest ``--holdout`` above, in steps of 0.01, that holds out enough."""
    if len(clean) < need:
        return f"give at least {need}"
    words = f"the split by class held out {held}"
    for step in range(math.floor(holdout * 100) + 1, 100):
        fit_idx, held_idx = stratified_split(clean.y.numpy(), step / 100, 0)  # counts: seed-free
        if len(held_idx) >= MIN_HELDOUT and len(fit_idx) >= min_fit:
            return f"{words}: give --holdout {step / 100:g} or more samples"
    return f"{words}: give more samples"


def same_weights(model: nn.Module, purified: nn.Module) -> bool:
    """Whether ``purified`` holds exactly ``model``'s weights and buffers (the method changed
    nothing: stop 73's first contact, ``clp`` on a user's backdoored CNN, ``pruned=0``)."""
    return same_state(purified.state_dict(), model.state_dict())


def unchanged_words(method: str, *, data_free: bool) -> str:
    """The note where the purified model is the model as it was."""
    words = (f"{method} changed no weight: the new folder holds the model as it was (a "
             "backdoor in it, if any, is still there)")
    return words + ("; give clean data (--data) to try a method that retrains it"
                    if data_free else "")


def judged(before: dict[str, Any], after: dict[str, Any]) -> str:
    """The figure :func:`still_there` reads: ``flip`` where both carry it, else ``asr`` (a
    record written before stop 78, or a triggered file without its clean inputs). An ASR
    counts the inputs the model sends to the target without the trigger too; the flip rate
    does not (stop 78, htsa: 71.43% ASR against 70.24% of the rows at class 0 untriggered)."""
    has = all(isinstance(d.get("flip"), int | float) for d in (before, after))
    return "flip" if has else "asr"


def above_bar(before: dict[str, Any], after: dict[str, Any]) -> tuple[str, float, float] | None:
    """``(key, before, after)`` of the figure :func:`judged` names where both are numbers and
    the one after is above :data:`STILL_ASR` (the trigger still works above the bar, halved or
    not); None otherwise. Read by :func:`weakened_words` and the audit's ``TSA120``
    (``audit.steps_record.residue``), which each tested it in full before stop 80's review."""
    key = judged(before, after)
    was, now = before.get(key), after.get(key)
    if not isinstance(was, int | float) or not isinstance(now, int | float) or now <= STILL_ASR:
        return None
    return key, float(was), float(now)


def still_there(before: dict[str, float], after: dict[str, float]) -> bool:
    """Whether the figure :func:`judged` names (the flip rate, else the ASR) after is at
    least :data:`STILL_SHARE` of before and above :data:`STILL_ASR`: the purified model still
    answers the trigger (``mitigate``'s note, and the audit's ``TSA120`` on a folder
    ``mitigate`` wrote)."""
    key = judged(before, after)
    was, now = before.get(key), after.get(key)
    return not (was is None or now is None or now <= STILL_ASR or now < STILL_SHARE * was)


def still_there_words(method: str, before: dict[str, float], after: dict[str, float],
                      triggered: int, default: str, *, data_free: bool = False) -> str | None:
    """The note where the ASR after is at least :data:`STILL_SHARE` of the ASR before and
    above :data:`STILL_ASR` (the purified model still answers the trigger), naming the method
    ``auto`` gives with clean data; "too few inputs to tell" in its place where the figure's
    count cannot clear :data:`STILL_ASR` (:func:`few_inputs_words`); None otherwise or where no
    ASR was measured."""
    if not still_there(before, after):
        return None
    if few := few_inputs_words(method, before, after):
        return few
    was, now = before["asr"], after["asr"]
    if method == default:
        other = "see `trojanscope list mitigation` for the other methods"
    else:
        given = " with clean data: give --data" if data_free else ""
        other = f"try --method {default} (the default{given})"
    read = "" if judged(before, after) == "asr" else (
        f"; flip rate (inputs not sent to the target untriggered) {before['flip']:.2%} before, "
        f"{after['flip']:.2%} after")
    return (f"the backdoor is still there: ASR {was:.2%} before, {now:.2%} after {method} on "
            f"{triggered} triggered inputs{read} (at least {STILL_SHARE:.0%} of before and "
            f"above {STILL_ASR:.0%}); {other}")


def weakened_words(method: str, before: dict[str, Any], after: dict[str, Any]) -> str | None:
    """The note where the figure :func:`judged` names fell under :data:`STILL_SHARE` of before
    but stays above :data:`STILL_ASR` (issue 9 stop 80, hcmd: such a run printed no note, and
    its audit headlined PASS; ``audit`` now fails it, ``TSA120`` "weakened, not removed");
    "too few inputs to tell" in its place where the count cannot clear the bar; None
    otherwise."""
    read = above_bar(before, after)
    if read is None or still_there(before, after):
        return None
    key, was, now = read
    if few := few_inputs_words(method, before, after):
        return few
    what = "ASR" if key == "asr" else "flip rate (inputs not sent to the target untriggered)"
    return (f"the backdoor was weakened, not removed: {what} {was:.2%} before, {now:.2%} after "
            f"{method}, still above {STILL_ASR:.0%} (`trojanscope audit` fails this folder, "
            "TSA120); purify the source again with more clean data or another method "
            "(`trojanscope list mitigation`)")


def few_inputs_words(method: str, before: dict[str, Any], after: dict[str, Any]) -> str | None:
    """The note in place of "still there" where the figure :func:`judged` names is read on too
    few inputs for its exact 95% interval to clear :data:`STILL_ASR` (stop 79, hrow: the
    audit's ``TSA120`` reads such a record low, "too few inputs to tell"); None otherwise."""
    from trojanscope.mitigate.record_count import count_words, reaches_bar, read_on

    key = judged(before, after)
    n = read_on(after, key)
    interval = reaches_bar(float(after[key]), n)
    if interval is None or n is None:
        return None
    what = "ASR" if key == "asr" else "flip rate (inputs not sent to the target untriggered)"
    return (f"too few inputs to tell whether the backdoor is still there: {what} "
            f"{before[key]:.2%} before, {after[key]:.2%} after {method} "
            f"({count_words(float(after[key]), n, interval)}, reaching the {STILL_ASR:.0%} bar); "
            "give more clean data so that more inputs are held out for the figures")


def attack_triggered(attack) -> Any:
    """A ``trigger_of`` for a known attack: its trigger applied to the held-out samples."""

    def build(held: TensorDataset | None) -> TriggeredSet | None:
        if held is None:
            return None
        x, y, target = attack.test_inputs(held)
        # the same rows untriggered, in test_inputs' order (as engine.metrics reads them)
        clean = held.get_batch(torch.from_numpy(attack.test_index(held)))[0]
        return TriggeredSet(x, y, target, f"attack {attack.name}", clean)

    return build


def fixed_triggered(triggered: TriggeredSet) -> Any:
    """A ``trigger_of`` that always returns the given triggered set (a user's file)."""
    return lambda _held: triggered


__all__ = ["MitigationResult", "TriggeredSet", "mitigate"]
