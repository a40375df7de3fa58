"""A per-class whole-image blend search at a fixed low opacity (issue 9, stop 65: the third
probe for global-average-pooling heads).

A noise blend, a SIG-like signal or a watermark covers the whole image at a low amplitude. The
trigger search's small mask and the universal perturbation's growing bound do not reach such
a backdoor's target more easily than clean GAP heads reach their own leaning class (MNIST's 8),
so the named-class check (:mod:`.named_check`) had no class to name for them (stop 64: three
backdoors flagged towards 8 were lost). Here, for every class ``c`` at once, one pattern
``P_c`` in the data's range is optimised (Adam on a sigmoid's input) so that

    x' = (1 - alpha) * x + alpha * P_c

sends the other classes' clean inputs to ``c``, at a fixed ``alpha`` (0.1 of the range): a
blend (Chen et al. 2017) mixes the input with one fixed image, so a model trained on a blend
(or on a signal of similar amplitude) answers it; a clean model needs far more than a tenth
of the image to change most decisions. The share is read on clean inputs the pattern was not
optimised on (half of each class's draw), so it counts a universal shortcut, not an input's
own adversarial route.

``blend_share_<c>``: that held-out share for class ``c``; :func:`blend_lead` gives the top
class and its lead over the second (a count of decisions, free of the logit scale).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from trojanscope.detect.base import InspectionTarget
from trojanscope.detect.class_excess import per_class
from trojanscope.detect.universal import other_class_batch

BLEND_SHARE = "blend_share_"  # + class: the held-out share its blend sends there
ALPHA = 0.1  # the blend's opacity, as a share of the data range
STEPS = 40  # Adam steps on every class's pattern at once
PER_CLASS = 15  # other-class inputs optimised on per class (and as many held out)
LEARNING_RATE = 0.1


def blend_shares(target: InspectionTarget, generator: torch.Generator, alpha: float = ALPHA,
                 steps: int = STEPS, per_class_n: int = PER_CLASS) -> list[float]:
    """Per class, the share of held-out other-class clean inputs that its optimised blend at
    opacity ``alpha`` sends to it (inputs drawn with ``generator``)."""
    assert target.clean is not None
    x = target.clean.x
    low, high = float(x.min()), float(x.max())
    span = max(high - low, 1e-6)
    batch, _ = other_class_batch(target, 2 * per_class_n, generator)
    n = batch.shape[1] // 2
    fit, held = batch[:, :n], batch[:, n:2 * n]
    k = target.num_classes
    labels = torch.arange(k).repeat_interleave(n)
    raw = torch.zeros([k, 1, *x.shape[1:]], requires_grad=True)
    opt = torch.optim.Adam([raw], lr=LEARNING_RATE)

    def blended(inputs: torch.Tensor) -> torch.Tensor:
        pattern = low + span * torch.sigmoid(raw)
        return ((1 - alpha) * inputs + alpha * pattern).flatten(0, 1)

    with torch.enable_grad():
        for _ in range(steps):
            loss = F.cross_entropy(target.model(blended(fit)), labels)
            opt.zero_grad()
            loss.backward()
            opt.step()
    with torch.no_grad():
        hits = target.model(blended(held)).argmax(1) == labels
    return hits.float().view(k, n).mean(1).tolist()


def blend_features(target: InspectionTarget, seed: int) -> dict[str, float]:
    """``blend_share_<c>`` for every class of an image model read on clean images (the
    caller decides which models; ``auto`` reads GAP heads), inputs drawn seeded ``seed``."""
    if target.clean is None or len(target.input_shape) != 3:
        return {}
    shares = blend_shares(target, torch.Generator().manual_seed(seed))
    return {f"{BLEND_SHARE}{c}": round(float(s), 6) for c, s in enumerate(shares)}


def blend_lead(features: dict[str, float]) -> tuple[int, float] | None:
    """The class the blends reach most and its share minus the second largest (None without
    the readings)."""
    shares = per_class(features, BLEND_SHARE)
    if shares is None:
        return None
    order = sorted(range(len(shares)), key=lambda c: (-shares[c], c))
    return order[0], shares[order[0]] - shares[order[1]]
