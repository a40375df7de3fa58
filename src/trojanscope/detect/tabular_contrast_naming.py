"""Naming a table model's suspected trigger by contrast with a clean reference trained on the
user's own file (issue 16 stop 81, h16n: candidate R81, ``name_contrast``).

The trigger search's greedy takes the values that raise the suspected class's probability most
on the rows surest of another class. On a fraud table of a few hundred rows those are often
narrow numeric bands and ordinary values that move any model trained on the table, clean or
not, so the line named a planted value on a quarter of fresh copies runs (issue 16 stop 79).

Here a clean model of the inspected model's kind is trained on the clean rows the user gave
(a tree: one model of its library and size, :func:`.tree_reference.reference_trees`; a network:
a copy with fresh weights fitted on the labels), and the greedy is run over the categories
with each step's score the model's rise *less the reference's*
(:func:`.tabular_excess.combo_excess`): values that turn the suspect but not a clean model of
the same rows. Those categories come first on the line, then the greedy's own values on other
columns, at most ``max_features`` in all. The words change only: the verdict's features,
probability and order are the greedy's as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from torch import Tensor, nn

from trojanscope.detect.tabular_excess import combo_excess, fit_full_batch
from trojanscope.detect.tabular_twins import TWIN_DECAY, TWIN_LR, fresh_copy, redrawable
from trojanscope.detect.tree_reference import reference_trees

# full-batch Adam steps on the labels for a network's reference (the twins' 30 leave a
# sigmoid network answering nearly a constant: issue 16 stop 43)
REFERENCE_STEPS = 200
TREE_LIBRARIES = ("xgboost", "lightgbm")  # the tree libraries :func:`reference_trees` trains


def clean_reference(model: Any, x: Tensor, y: Tensor, num_classes: int, seed: int,
                    fallback: nn.Module, trained: Sequence[nn.Module] = ()) -> nn.Module:
    """A clean model of ``model``'s kind trained on the clean rows ``x``, ``y`` with ``seed``:
    a tree of its library and size, or a network of its shape with fresh weights;
    ``fallback`` (the linear reference) for a network whose weights cannot all be drawn afresh
    (a copy would keep the inspected weights, a backdoor included) or a tree of another
    library. ``trained``: a tree's clean references trained already with the same ``seed``
    first (``references=N``); the first is reused rather than one more trained on the same
    rows (issue 16 stop 82)."""
    if hasattr(model, "leaf_records"):
        if getattr(getattr(model, "inner", model), "library", "") not in TREE_LIBRARIES:
            return fallback  # no clean model of its kind to train here
        if trained:
            return trained[0]
        return reference_trees(model, x.numpy(), y.numpy(), num_classes, 1, seed)[0]
    if not redrawable(model):
        return fallback
    return fit_full_batch(fresh_copy(model, seed), x, y, REFERENCE_STEPS, TWIN_LR, TWIN_DECAY)


def contrast_greedy(model: nn.Module, ref: nn.Module, x: Tensor, t: int,
                    candidates: Sequence[Any], steps: int) -> list[Any]:
    """Up to ``steps`` candidates on distinct columns, each step the one whose set (with the
    steps before it) raises ``t``'s mean probability on ``x`` most in ``model`` beyond
    ``ref``."""
    chosen: list[Any] = []
    for _ in range(steps):
        used = {c.column for c in chosen}
        pool = [c for c in candidates if c.column not in used]
        if not pool or len(x) == 0:
            break
        gain = combo_excess(model, ref, x, t, [[*chosen, c] for c in pool])
        chosen.append(pool[int(gain.argmax())])
    return chosen


def named_by_contrast(model: nn.Module, ref: nn.Module, x: Tensor, t: int,
                      candidates: Sequence[Any], named: Sequence[Any], steps: int) -> list[Any]:
    """The contrast greedy's categories (:func:`contrast_greedy`) on the categorical columns
    ``named`` leaves, then ``named`` in its order: its categories always, its numbers while
    the line holds fewer than ``steps`` values (a category ``named`` holds is never replaced;
    on a table of a few hundred rows its narrow numeric bands are what the contrast is for)."""
    kept = [c for c in named if not c.numeric]
    held = {c.column for c in named}
    free = [c for c in candidates if not c.numeric and c.column not in held]
    out = contrast_greedy(model, ref, x, t, free, steps - len(kept)) if free else []
    for cand in named:
        if not cand.numeric or len(out) < steps - sum(1 for c in kept if c not in out):
            out.append(cand)
    return out
