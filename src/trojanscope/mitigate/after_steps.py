"""The opt-in steps after ``free_reach``'s step, as one ordered, registered list.

What and why (issue 12, stop 57: h12): ``free_unlearn.free_changed`` runs `gated`'s stages, then
``free_reach``'s step, then the steps below, in this order, each only where its option is on.
They were chained by hand (``getattr`` on the method, state set in ``gated_handback``); here each
is one :class:`AfterStep` (a name, the option that enables it, whether it needs the first
stage's model kept aside, one call signature), so a new step is one entry in :data:`AFTER_STEPS`.
The step's function is looked up in its module at call time: benchmarks spy on it there.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from torch import nn

from trojanscope.data.dataset import TensorDataset


@dataclass
class AfterState:
    """What a step reads: the model the steps before return (``out``), the clean images the
    steps train on, the seed, the input model's state (``came``), the stages' model as they
    returned it (``staged``; None where no step asked for it or the later steps left it as it
    was) and the share no stage saw (``held``; None without ``held_pick``, ``mixed_held`` or
    ``dense_back``'s share)."""

    out: nn.Module
    clean: TensorDataset
    seed: int
    came: dict
    staged: nn.Module | None = None
    held: TensorDataset | None = None


@dataclass(frozen=True)
class AfterStep:
    """One step after ``free_reach``'s: ``name`` (its note's key), ``option`` (the `gated`
    option that enables it: on where the method's value is truthy), ``keeps_first`` (the
    projected hand-back keeps the first stage's model aside for it), ``module``/``function``
    (the call: ``function(gated, state) -> model``, looked up at call time)."""

    name: str
    option: str
    module: str
    function: str
    keeps_first: bool = False

    def enabled(self, gated: Any) -> bool:
        """Whether ``gated``'s options turn this step on."""
        return bool(getattr(gated, self.option, 0))

    def __call__(self, gated: Any, state: AfterState) -> nn.Module:
        run = getattr(importlib.import_module(self.module), self.function)
        return run(gated, state)


_M = "trojanscope.mitigate."
# The order they run in (docs/mitigation.md, "After free_reach's step").
AFTER_STEPS: tuple[AfterStep, ...] = (
    AfterStep("reach_round2", "reach_round2", _M + "reach_round", "after_step"),
    AfterStep("first_read", "first_read", _M + "first_read", "after_step", keeps_first=True),
    AfterStep("held_pick", "held_pick", _M + "held_pick", "after_step", keeps_first=True),
    AfterStep("fold_back", "fold_back", _M + "fold_back", "after_step"),
    AfterStep("sparse_last", "sparse_last", _M + "sparse_last", "after_step"),
    AfterStep("residue_last", "residue_last", _M + "residue_last", "after_step"),
    AfterStep("refit_last", "refit_last", _M + "refit_last", "after_step"),
    AfterStep("trigger_last", "trigger_last", _M + "trigger_last", "after_step"),
    AfterStep("round_last", "round_last", _M + "round_last", "after_step"),
    AfterStep("fresh_last", "fresh_last", _M + "fresh_last", "after_step"),
    AfterStep("teach_last", "teach_last", _M + "teach_last", "after_step"),
    AfterStep("mixed_last", "mixed_last", _M + "mixed_last", "after_step"),
    AfterStep("restore_last", "restore_last", _M + "restore_last", "after_step"),
    AfterStep("repair_last", "repair_last", _M + "repair_last", "after_step"),
    AfterStep("blend_last", "blend_last", _M + "blend_last", "after_step"),
    AfterStep("aug_last", "aug_last", _M + "aug_last", "after_step"),
    AfterStep("reproject_last", "reproject_last", _M + "reproject_last", "after_step"),
    AfterStep("dense_back", "dense_back", _M + "dense_back", "after_step"),
)


def enabled_steps(gated: Any) -> list[AfterStep]:
    """The registered steps ``gated``'s options turn on, in their order."""
    return [step for step in AFTER_STEPS if step.enabled(gated)]


def keeps_first(gated: Any) -> bool:
    """Whether an enabled step reads the first stage's model where the projected model is
    handed back (``gated_handback`` keeps a copy aside only then)."""
    return any(step.keeps_first for step in enabled_steps(gated))


def free_reach_read(gated: Any, name: str) -> bool:
    """Whether ``free_reach``'s step read the model (it changed, with a suspect class): the
    steps that need its reading run only then. Where it did not, step ``name``'s note says it
    was skipped and why (one sentence for every such step)."""
    if "reach" in gated.report_.get("free_reach", {}):
        return True
    gated.report_[name] = {"action": "skipped: free_reach's step did not read the model "
                                     "(unchanged or no suspect)"}
    return False


def suspect_trigger(gated: Any, name: str) -> Any:
    """The detector's reversed trigger for the suspect class (``verdict_.triggers[suspect]``),
    for a step that reads it (``residue_last``, ``trigger_last``, ``round_last``,
    ``fresh_last``, ``teach_last``, ``mixed_last``): None where
    ``free_reach``'s step did not read the model (:func:`free_reach_read`) or the detector left
    no trigger for the suspect, and then step ``name``'s note says it was skipped and why."""
    if not free_reach_read(gated, name):
        return None
    verdict = getattr(gated, "verdict_", None)
    trigger = verdict.triggers.get(int(gated.report_["suspect"])) if verdict is not None \
        else None
    if trigger is None:
        gated.report_[name] = {"action": "skipped: no reversed trigger for the suspect"}
    return trigger


def trigger_after_step(name: str, module: str, function: str,
                       came: bool = False) -> Callable[[Any, AfterState], nn.Module]:
    """The registered ``after_step`` of step ``name``, one that reads the detector's reversed
    trigger for the suspect: ``function`` of ``module`` (looked up at call time, so a benchmark
    can spy on it), called as ``function(gated, out, [came,] clean, seed, trigger)`` (``came``:
    the input model's state passed too) where :func:`suspect_trigger` finds a trigger;
    otherwise the model as it came (the note says why)."""

    def after_step(gated: Any, state: AfterState) -> nn.Module:
        trigger = suspect_trigger(gated, name)
        if trigger is None:
            return state.out
        step = getattr(importlib.import_module(module), function)
        first = (state.out, state.came) if came else (state.out,)
        return step(gated, *first, state.clean, state.seed, trigger)

    after_step.__doc__ = (f"The registered step (:mod:`~trojanscope.mitigate.after_steps`): "
                          f":func:`{function}` where ``free_reach``'s step read the model and "
                          f"the detector left a reversed trigger for the suspect, otherwise the "
                          f"model as it came (the note says why).")
    return after_step


def run_after(gated: Any, state: AfterState) -> nn.Module:
    """Every enabled step in order, each on what the one before returned."""
    for step in enabled_steps(gated):
        state.out = step(gated, state)
    return state.out
