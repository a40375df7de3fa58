"""Choose among a run's candidate models by accuracy on clean images no stage trained on:
``held_pick``.

Why (issue 12, stop 56: h12): most of `gated`'s misses on fresh MNIST MLP zoos are accuracy
losses (1.4-4.6 points at <= 2% ASR), and every stage trains on all the method's clean images,
so nothing in the method can read what a stage cost. Here a share of those images (``held_pick``,
per class, from the seed) is set apart after the detector's gate, before any stage: the stages,
``free_reach``'s step and ``reach_round2`` work on the rest. At the end the candidates the
method's own backdoor readings call clean are read on the share, and the one that classifies
most of it comes back (ties: the later one, today's output first):

- the run's output (what ``free_reach``'s step and ``reach_round2`` return): always a candidate;
- the stages' model, where those steps changed it: only where ``free_reach``'s reading on it
  (:func:`~trojanscope.mitigate.free_unlearn.universal_reach`) is under the step's bar and the
  suspect is the least reachable class (:func:`~trojanscope.mitigate.reach_round.reach_rank`);
- the first stage's model, where the probe found no backdoor on it and the projected model was
  handed back: only where that reading is under ``FIRST_BAR`` (``first_read``'s) and the suspect
  is the least reachable class. Where the second stage ran, the probe had found a backdoor on
  the first stage's model: it is no candidate.

The input model's accuracy on the share is noted as the reference. It reads the detector's
suspect and the method's clean images, never the attacker's trigger or poison indices.
"""

from __future__ import annotations

from typing import Any

from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.engine.metrics import accuracy
from trojanscope.mitigate.base import with_state
from trojanscope.mitigate.free_unlearn import universal_reach
from trojanscope.mitigate.held_guard import set_apart
from trojanscope.mitigate.reach_round import reach_rank
from trojanscope.mitigate.step_note import step_note

# The share's seed is the method's moved by this (not guard_hold's share drawn again).
PICK_SEED = 4241
# The first stage's model is a candidate only under this reading (first_read's bar, stop 55:
# the projected SIG MLPs whose first stage had a backdoor left read 0.044 and more).
FIRST_BAR = 0.03


def set_pick_apart(clean: TensorDataset, fraction: float, seed: int,
                   min_rest: int) -> tuple[TensorDataset, TensorDataset]:
    """(the clean images the stages may use, the share no stage sees), per class, from
    ``seed``; too few of either is one clear error (:func:`~.held_guard.set_apart`)."""
    return set_apart(clean, fraction, seed + PICK_SEED, min_rest=min_rest)


def _called_clean(model: nn.Module, clean: TensorDataset, suspect: int,
                  bar: float) -> dict[str, Any]:
    """``free_reach``'s reading towards ``suspect`` on ``model`` and, under ``bar``, the
    suspect's rank among the classes; ``clean``: whether both call it clean."""
    reach = universal_reach(model, clean.x, clean.y, suspect)
    note: dict[str, Any] = {"reach": round(reach, 3), "bar": bar}
    if reach < bar:
        note["rank"] = reach_rank(model, clean.x, clean.y, suspect)[1]
    note["clean"] = reach < bar and note.get("rank") == 0
    return note


def after_step(g: Any, state: Any) -> nn.Module:
    """The registered step (:mod:`~trojanscope.mitigate.after_steps`): :func:`pick` where the
    share was set apart (the stages' model a candidate only where the steps after them
    changed it), otherwise the model as it came."""
    from trojanscope.mitigate.gated import same_state

    if state.held is None:
        return state.out
    staged = state.staged
    if staged is not None and same_state(staged.state_dict(), state.out.state_dict()):
        staged = None  # the steps left the stages' model as it was: one candidate
    return pick(g, state.out, staged, state.came, state.held, state.clean)


def pick(g: Any, out: nn.Module, staged: nn.Module | None, came: dict,
         held: TensorDataset, rest: TensorDataset) -> nn.Module:
    """The model to hand back: ``out`` (the run's output), or ``staged`` (the stages' model;
    None where the steps after them left it as it was) or ``g.first_kept_`` (the first
    stage's model the projected hand-back kept) where the readings call them clean and they
    classify strictly more of ``held`` than every later candidate. ``came``: the input model's
    state (its accuracy on ``held`` is noted). The note's ``held_pick`` says what was read."""
    with step_note(g, "held_pick") as note:
        suspect = int(g.report_["suspect"])
        ref = with_state(out, came)
        note.update(held=len(held), rest=len(rest),
                    input_acc=round(accuracy(ref, held.x, held.y), 4))
        cands: list[tuple[str, nn.Module]] = [("output", out)]
        if staged is not None:
            seen = _called_clean(staged, rest, suspect, g.free_reach)
            note["stages"] = seen
            if seen["clean"]:
                cands.append(("stages", staged))
        first = getattr(g, "first_kept_", None)
        if first is not None and first is not out:
            seen = _called_clean(first, rest, suspect, FIRST_BAR)
            note["first"] = seen
            if seen["clean"]:
                cands.append(("first", first))
        accs = {name: accuracy(m, held.x, held.y) for name, m in cands}
        note["acc"] = {k: round(v, 4) for k, v in accs.items()}
        best, chosen = cands[0]
        for name, m in cands[1:]:  # strictly more of the share: ties stay with the later model
            if accs[name] > accs[best]:
                best, chosen = name, m
        note["chosen"] = best
    if chosen is not out:
        for prm in chosen.parameters():  # handed back as every other path's model
            prm.requires_grad_(True)
        chosen.eval()
    return chosen
