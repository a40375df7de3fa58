"""Ask the suspect class for a margin: lower its logit by a constant after purification.

Why (issue 12, stop 47): on dense MNIST models `gated` leaves a *residue*, 2-5% of triggered
images still sent to the target, that no trigger search reads. Read with the real trigger on
development zoos (diagnosis only), the residue is not a few units (pruning the units the real
trigger drives most leaves it) but a soft bias: the target is the most frequent wrong class
under the trigger, by a factor of about two, among images near a decision boundary. Lowering the
suspect class's output bias by ``margin`` logits makes the model predict that class only when it
wins by that much; it reads the detector's suspect (what :class:`~trojanscope.mitigate.gated.
Gated` already works on), never the attacker's trigger. The cost: the suspect class's clean
images that win only narrowly now go elsewhere.

The model stays a plain model (the change is one bias entry), so every export keeps it.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from trojanscope.engine.metrics import predict


def output_linear(model: nn.Module, x: Tensor) -> nn.Linear | None:
    """The :class:`~torch.nn.Linear` (with a bias) whose output *is* the model's output on
    ``x`` (a few inputs), or ``None`` (a softmax, a sum or anything else after it)."""
    seen: list[tuple[nn.Module, Tensor]] = []
    hooks = [m.register_forward_hook(lambda m, _i, o: seen.append((m, o)))
             for m in model.modules() if isinstance(m, nn.Linear) and m.bias is not None]
    try:
        with torch.no_grad():
            out = model(x)
    finally:
        for h in hooks:
            h.remove()
    for module, value in reversed(seen):
        if isinstance(value, Tensor) and value.shape == out.shape and torch.equal(value, out):
            return module  # type: ignore[return-value]
    return None


def lower_suspect(model: nn.Module, x: Tensor, suspect: int, margin: float) -> str:
    """Lower class ``suspect``'s logit by ``margin`` in place (its output bias). Returns what
    was done, or why nothing was (no Linear output layer with a bias, a class out of range)."""
    layer = output_linear(model, x)
    if layer is None:
        return "skipped: the model's output is not a Linear layer's with a bias"
    if not 0 <= suspect < layer.out_features:
        return f"skipped: suspect class {suspect} is not one of {layer.out_features} outputs"
    with torch.no_grad():
        layer.bias[suspect] -= margin
    return f"class {suspect}'s logit lowered by {margin}"


# The margins tried, in logits, smallest first (``choose_margin``).
STEP = 0.25
# Mixed copies of each clean image read for the pull (``mixed``), and the share of the other
# image in each (uniform between these): far enough from both images for the model to err.
MIXES = 10
MIX_SHARE = (0.3, 0.5)
# The fewest classes the pull is defined on: it compares the suspect's wrong takes of the images
# of the other classes with theirs, and with two classes the other one can take none of them
# (every wrong prediction there is the suspect's), so any one wrong take read as a pull of 1e9
# and the margin went to its most (issue 12 stop 47, review revb).
MIN_CLASSES = 3


def mixed(x: Tensor, y: Tensor, seed: int, rounds: int = MIXES) -> tuple[Tensor, Tensor]:
    """``rounds`` copies of the clean images ``x``, each mixed with another drawn from the seed
    (its share uniform in ``MIX_SHARE``), labelled with the first image's label ``y``."""
    g = torch.Generator().manual_seed(seed)
    lo, hi = MIX_SHARE
    xs = []
    for _ in range(rounds):
        other = torch.randperm(len(x), generator=g)
        share = lo + (hi - lo) * torch.rand(len(x), *([1] * (x.dim() - 1)), generator=g)
        xs.append(x * (1 - share) + x[other] * share)
    return torch.cat(xs), y.repeat(rounds)


def pull(logits: Tensor, y: Tensor, suspect: int, shift: float = 0.0) -> float:
    """How strongly class ``suspect`` attracts wrong predictions: the number of images not of
    that class predicted as it (wrongly), over the mean number predicted as each other wrong
    class, with the suspect's logit lowered by ``shift``. 1: as any other class; a backdoor's
    leftover bias shows as more."""
    lowered = logits.clone()
    lowered[:, suspect] -= shift
    pred = lowered.argmax(1)
    wrong = (pred != y) & (y != suspect)
    counts = torch.bincount(pred[wrong], minlength=logits.shape[1]).float()
    others = torch.cat([counts[:suspect], counts[suspect + 1:]])
    return float(counts[suspect] / others.mean().clamp_min(1e-9))


def choose_margin(model: nn.Module, x: Tensor, y: Tensor, suspect: int, most: float,
                  bar: float, seed: int) -> tuple[float | None, dict[str, float]]:
    """The smallest margin (steps of ``STEP`` up to ``most``) at which the suspect's
    :func:`pull` on mixed copies of the clean images is at most ``bar``; ``most`` where none
    is. Returns it and the pull read at each margin tried; ``None`` and nothing read on a model
    with fewer than ``MIN_CLASSES`` outputs (no pull to read)."""
    mx, my = mixed(x, y, seed)
    logits = predict(model, mx, batch_size=max(1, len(mx)))  # one batch: the numbers as read
    read: dict[str, float] = {}
    if logits.dim() != 2 or logits.shape[1] < MIN_CLASSES:
        return None, read
    steps = math.ceil(most / STEP - 1e-9)
    for i in range(steps + 1):
        shift = min(i * STEP, most)
        read[f"{shift:g}"] = round(pull(logits, my, suspect, shift), 3)
        if read[f"{shift:g}"] <= bar:
            return shift, read
    return most, read


def held_cap(model: nn.Module, x: Tensor, y: Tensor, suspect: int,
             shift: float) -> tuple[float, dict[str, int]]:
    """``margin_held``: the margin ``shift`` capped where it first costs a held-back image.

    ``x``, ``y`` are clean images the second stage held back (it never trained on them). Step
    by step (``STEP``) up to ``shift``, the number of them classified correctly with class
    ``suspect``'s logit lowered is compared with the number at no margin; the cap is the last
    step before the first one with fewer (net: an image the margin gains makes up for one it
    loses). Why (issue 12, stop 48): the margin's price is the suspect class's narrowly won
    clean images, invisible on the images the stages trained on. Returns the capped margin and
    the images lost at each step read."""
    logits = predict(model, x, batch_size=max(1, len(x)))
    correct0 = int((logits.argmax(1) == y).sum())
    lost: dict[str, int] = {}
    cap = 0.0
    for i in range(1, math.ceil(shift / STEP - 1e-9) + 1):
        step = min(i * STEP, shift)
        lowered = logits.clone()
        lowered[:, suspect] -= step
        lost[f"{step:g}"] = correct0 - int((lowered.argmax(1) == y).sum())
        if lost[f"{step:g}"] > 0:
            break
        cap = step
    return cap, lost
