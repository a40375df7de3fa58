"""Did the second stage leave the model worse than the first stage did? A check on held-back
clean images, before its model is kept.

`gated`'s second stage unlearns a shortcut to the detector's suspect class. Where that class was
not the backdoor's target (a WaNet model on zoo-1700: suspect 2, target 3), six rounds of
unlearning the wrong class let part of the real backdoor come back (2.1% ASR after the first
stage, 16.5% after the second: docs/benchmarks.md, "A second stage that spares clean models").
Nothing here reads the attacker's trigger or target: the check compares the first stage's model
with the second stage's on the clean images the stage held back (which, with ``gated``'s
``hold=1``, neither stage trained on): their accuracy, and per class how many of the images a
universal perturbation (at most ``eps`` per pixel, fitted on the *other* clean images) sends to
that class. A backdoor coming back, to whatever class, shows as a class that became much easier
to reach; the second stage's own gain shows as the suspect class becoming harder.

What it does not see (measured): a *warping* backdoor coming back. On that zoo-1700 WaNet model
the real target's reach at 0.1 rose by 0.07 only, so the check kept the stage's 16.5% ASR; on a
fresh seed-1800 zoo it kept every second stage (docs/benchmarks.md, "The second stage never
makes it worse").
"""

from __future__ import annotations

from typing import Any

from torch import Tensor, nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import ReversedTrigger
from trojanscope.engine.metrics import accuracy, predict
from trojanscope.mitigate.residual import perturbation_asr
from trojanscope.mitigate.trigger_prune import proxy_asr

# Chosen on development zoos only (docs/benchmarks.md, "The second stage never makes it worse").
# The first stage trains on the held-back images unless ``gated``'s ``hold=1``, so the first
# stage's accuracy on them reads high (0.98-1.0 on the development MLPs, whose second stage
# then read 0.92-0.94 while removing the backdoor): the accuracy margin is wide.
EPS = 0.1
RISE = 0.2
CA_MARGIN = 0.1
STEPS = 20
TOLERANCE = 1e-6  # float32 shares: k/n - j/n may read a hair under (k - j)/n


def reach(model: nn.Module, fit: TensorDataset, val: TensorDataset, classes: int,
          eps: float, steps: int = STEPS, read: list[int] | None = None) -> list[float | None]:
    """Per class, the share of ``val``'s images outside it that a free universal perturbation
    of at most ``eps`` per pixel, fitted on ``fit``'s in ``steps`` steps, sends to it; with
    ``read``, only those classes are fitted and the others are None (``gated``'s
    ``fast_conv``)."""
    return [perturbation_asr(model, fit, val, c, eps, steps, stripes=False)
            if read is None or c in read else None for c in range(classes)]


def flip_rates(first: nn.Module, final: nn.Module, triggers: list[ReversedTrigger],
               val: TensorDataset) -> dict[int, list[float]]:
    """Per reversed trigger's class: the share of ``val``'s images outside it that the trigger
    sends to it, on ``first`` and on ``final`` (a rise: that shortcut came back)."""
    return {t.target: [proxy_asr(first, t, val), proxy_asr(final, t, val)] for t in triggers}


def _rounded(values: list[float | None]) -> list[float | None]:
    return [None if v is None else round(v, 3) for v in values]


def compare(first: nn.Module, final: nn.Module, fit: TensorDataset, val: TensorDataset,
            gx: Tensor, gy: Tensor, triggers: list[ReversedTrigger], suspects: list[int], *,
            eps: float = EPS, rise: float = RISE, ca_margin: float = CA_MARGIN,
            judge_reach: bool = True, read: list[int] | None = None,
            lean: bool = False) -> dict[str, Any]:
    """The two models side by side on the held-back images, and ``worse``: why the second
    stage's model (``final``) is worse than the first stage's (``first``), or ``""``.

    Worse means: its accuracy on ``gx``/``gy`` is more than ``ca_margin`` below the first
    stage's, or some class outside ``suspects`` is reached by at least ``rise`` more of the
    images than on the first stage's model, or the reversed trigger of a suspect class
    succeeds on at least ``rise`` more of them. (The reversed triggers of other classes are
    reported, not judged: on a development MLP whose backdoor the stage removed, one of them,
    an adversarial patch, rose by 0.20.) ``judge_reach=False``: the other classes' reach is
    reported, not judged (on MLPs fine-tuning alone moves it by that much). ``read``: the
    classes whose reach is fitted and judged (None: every class). ``lean`` (``gated``'s
    ``conv_lean``): only the reach that can make the judgement is fitted, the same judgement
    for fewer fits: on ``final`` the judged classes outside ``suspects`` (none without
    ``judge_reach``), on ``first`` only those ``final`` reaches by ``rise`` or more (a share is
    never below 0, so a smaller reach cannot have risen by ``rise``); the others are reported
    as not read (None)."""
    classes = int(predict(final, val.x[:1]).shape[1])
    ca = [accuracy(first, gx, gy), accuracy(final, gx, gy)]
    out: dict[str, Any] = {"ca": _rounded(ca)}
    # judged on the unrounded shares (a rise of exactly ``rise``, e.g. 9 of 45 images, fired
    # or not by how the two rounded shares happened to subtract); reported rounded
    narrow = {} if read is None else {"read": read}  # every class: reach called as before
    if lean:
        judged = [c for c in (range(classes) if read is None else read)
                  if judge_reach and c not in suspects]
        after = reach(final, fit, val, classes, eps, read=judged)
        before = reach(first, fit, val, classes, eps, read=[
            c for c in judged if (after[c] or 0.0) >= rise - TOLERANCE])
    else:
        before = reach(first, fit, val, classes, eps, **narrow)
        after = reach(final, fit, val, classes, eps, **narrow)
    rates = flip_rates(first, final, triggers, val)
    out["reach"] = [_rounded(before), _rounded(after)]
    out["triggers"] = {c: _rounded(pair) for c, pair in rates.items()}
    out["reach_judged"] = judge_reach
    out["worse"] = worse(ca, [before, after] if judge_reach else None, rates, suspects,
                         eps=eps, rise=rise, ca_margin=ca_margin)
    return out


def worse(ca: list[float], reaches: list[list[float | None]] | None,
          rates: dict[int, list[float]],
          suspects: list[int], *, eps: float = EPS, rise: float = RISE,
          ca_margin: float = CA_MARGIN) -> str:
    """:func:`compare`'s judgement from its figures (each a pair: the reference model's, then
    the second stage's): held-back accuracy ``ca``, per-class ``reaches`` (None: not judged)
    and reversed-trigger ``rates``; why the second stage's model is worse, or ``""``. Apart so
    the same judgement can be read against another reference (benchmarks/). A class whose
    reach was not read (None) is not judged."""
    reasons = []
    if ca[1] < ca[0] - ca_margin - TOLERANCE:
        reasons.append(f"held-back accuracy {round(ca[0], 3):.3f} -> {round(ca[1], 3):.3f}")
    before, after = reaches if reaches is not None else ([], [])
    for c, (b, a) in enumerate(zip(before, after, strict=True)):
        if b is None or a is None:
            continue
        if c not in suspects and a - b >= rise - TOLERANCE:
            reasons.append(f"class {c} reached by {b:.2f} -> {a:.2f} of the "
                           f"held-back images (perturbation <= {eps})")
    for c, (b, a) in rates.items():
        if c in suspects and a - b >= rise - TOLERANCE:
            reasons.append(f"the reversed trigger of class {c} succeeds {b:.2f} -> {a:.2f}")
    return "; ".join(reasons)
