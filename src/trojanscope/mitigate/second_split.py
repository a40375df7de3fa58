"""A second split of the user's clean data where ``gated``'s CA guard stopped its second stage.

Why (issue 12, stops 78-79, hgd): on 20 users' 200 images the README's line ``mitigate
runs/badnets --data clean.npz --out fixed/`` left 5 draws above 2% ASR (3 above 50%), and
every one of them ended "stopped by the CA guard"; none of the 15 draws at the goal did.
Letting the guard run on (``guard_trips=6``) did not mend them (46-73% left), while the same
images split another way (``--seed 1``) or with 150 for the method did: the split, not the
guard, decides, and the guard's stop is the one sign of a bad split the method sees on its
own images.

What it does: where the first run's second stage was stopped by the CA guard, the whole run
(split and method) goes again from the model as given with the next seed, with the residual
probe off there (:func:`probe_off`: the first split's probe already found a backdoor left), and
the second run is kept only where its stage ran and was *not* stopped by the guard, else the
first. (The
first version kept any second run the guard did not stop; on stop 79's fresh draws five
second splits skipped the stage, their probe finding "no backdoor left", handed back the
original model at ASR 100%, and were kept.) The choice reads only what the method saw on its
own share (the guard reads a quarter of the method's samples), never the held-out figures:
choosing on those would make them part of the fit. The figures printed are the kept run's,
on its own held-out samples; the time is both runs'. Where the guard did not stop, nothing
more runs. Opt-in (``--second-split``): its rule was not met (docs/benchmarks.md, issue 12
stop 79), and stop 80's was not read (4 guard stops in 20 fresh draws, under its floor of 12).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from trojanscope.errors import UserInputError
from trojanscope.mitigate.gated_options import KEPT_ALWAYS

SECOND_SPLIT = False  # the default: stop 79's rule not met, stop 80's not read (benchmarks.md)
GUARD_STOP = "stopped by the CA guard"  # Adaptive.unlearn writes it where the guard ended it
PROBE_OFF_KEPT = KEPT_ALWAYS  # gated's ``kept`` at which its second stage always runs


def guard_stopped(decided: dict[str, Any] | None) -> bool:
    """Whether ``gated``'s second stage (``decided["unlearn"]``) was ended by its CA guard."""
    stage = (decided or {}).get("unlearn")
    return isinstance(stage, dict) and stage.get("action") == GUARD_STOP


def stage_ran(decided: dict[str, Any] | None) -> bool:
    """Whether ``gated``'s second stage ran at least one round: a run whose probe skipped the
    stage (and, with ``revert=1``, handed back the original model) did not (stop 79's fresh
    read: five second splits ended so, and the first version kept them, ASR 100%)."""
    stage = (decided or {}).get("unlearn")
    rounds = stage.get("rounds") if isinstance(stage, dict) else None
    return isinstance(rounds, int) and rounds > 0


@contextmanager
def probe_off(method: Any) -> Iterator[None]:
    """For the second split's run, ``gated``'s residual probe cannot skip the second stage
    (``kept`` = 1.01, as ``--method-param kept=1.01`` would; restored after): the second split
    runs only where the first split's probe found a backdoor left and its stage ran until the
    guard stopped it, so the second probe's "no backdoor left" would only hand the model back
    as it came. Stop 79's fresh read: five of six second splits did so (the detector at p
    0.882, the reversed trigger kept 0.50-0.56 >= 0.5), four of them at 2-76% ASR. A method
    without ``kept`` runs as given."""
    if method is None or not hasattr(method, "kept"):
        yield
        return
    given, method.kept = method.kept, PROBE_OFF_KEPT
    try:
        yield
    finally:
        method.kept = given


def summary(seed: int, decided: dict[str, Any] | None) -> dict[str, Any]:
    """What the record keeps of one run: its seed and how its second stage ended."""
    stage = (decided or {}).get("unlearn") or {}
    return {"seed": seed, "action": stage.get("action"), "rounds": stage.get("rounds")}


def retried(run: Callable[[int], Any], seed: int, method: Any = None) -> Any:
    """``run(seed)`` (a :class:`~trojanscope.mitigate.run.MitigationResult`), and where its
    second stage was stopped by the CA guard ``run(seed + 1)`` too, with ``method``'s residual
    probe off (:func:`probe_off`); the run kept as the module says, with both runs' time, a
    note and ``decided["second_split"]``."""
    first = run(seed)
    if not guard_stopped(first.decided):
        return first
    try:
        with probe_off(method):
            second = run(seed + 1)
    except UserInputError as exc:  # the second split refused: the first run stands
        return with_record(first, first, None, seed, f"the second split was refused ({exc})")
    ran_on = stage_ran(second.decided) and not guard_stopped(second.decided)
    keep = second if ran_on else first
    return with_record(keep, first, second, seed, None)


def unsplit(result: Any, method: str) -> Any:
    """``result`` with a note that ``--second-split`` had nothing to split: a data-free run
    holds out no images and has no CA guard (stop 79 review, hrev: it was dropped unsaid)."""
    return replace(result, notes=[*result.notes, (
        f"second split: not run: {method} ran data-free, so there is no split of clean data "
        "to draw again and no CA guard to stop it (--second-split needs --data)")])


def with_record(keep: Any, first: Any, second: Any | None, seed: int,
                refused: str | None) -> Any:
    """``keep`` with the time of both runs, the note and the record of what was chosen."""
    kept = "first" if keep is first else "second"
    record = {"first": summary(seed, first.decided), "kept": kept,
              "second": summary(seed + 1, second.decided) if second is not None else refused}
    decided = {**(keep.decided or {}), "second_split": record}
    both = [r for r in (first, second) if r is not None]
    return replace(keep, decided=decided, notes=[*keep.notes, words(record)],
                   elapsed_s=sum(r.elapsed_s for r in both),
                   cpu_s=sum(r.cpu_s for r in both) if all(r.cpu_s is not None for r in both)
                   else None)


def words(record: dict[str, Any]) -> str:
    """The note: why a second run went, how it ended and which run the figures are from."""
    first, second = record["first"], record["second"]
    said = (f"second split: the CA guard stopped the second stage on the first split (seed "
            f"{first['seed']}, round {first['rounds']}), so the run went again on another "
            f"split (seed {first['seed'] + 1})")
    if isinstance(second, str) or second is None:
        return f"{said}; {second}: the first run is kept"
    if record["kept"] == "second":
        return (f"{said}; its second stage ended '{second['action']}': that run is kept, the "
                "figures above are its, on its own held-out samples (the time is both runs'; "
                "--one-split keeps the first run only)")
    why = (f"the guard stopped it too (round {second['rounds']})" if second["rounds"] else
           f"its second stage did not run ('{second['action']}')")
    return f"{said}; {why}: the first run is kept (the time is both runs')"
