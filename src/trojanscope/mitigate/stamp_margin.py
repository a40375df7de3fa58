"""How near the detector's reversed trigger comes to turning a model: the suspect's margin on
clean images stamped with it, as the detector left it or with its pattern searched again on the
model inside the trigger's region grown by a pixel or two.

Why (issue 12, stop 67: h12): the repairs that give the suspect class its clean images back let
the attacker's images through on outputs at 1-2% ASR, and the trigger's share
(:func:`~trojanscope.mitigate.trigger_last.trigger_flip`) does not see it: on an output the
stages cleaned the stamped images land far from the suspect, so a repair that moves them
closer leaves the argmax where it was. Their margin (the suspect's logit less the largest other
one, averaged) moves with them; a repair that raises it moved the stamped images towards the
suspect, which is what the attacker's images do too. The detector's mask on an MLP is a few
pixels of the attacker's patch (or of the pattern's strongest part): searching the pattern
again on the model being read, inside that mask grown by a pixel or two, reads what the patch's
neighbourhood can do now, not what it did to the input model. Read on the method's clean images
with the detector's trigger, never the attacker's.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from trojanscope.detect.base import ReversedTrigger
from trojanscope.detect.mmbd import margin
from trojanscope.engine.metrics import predict
from trojanscope.mitigate.pattern_steps import pattern_steps
from trojanscope.mitigate.sent_share import outside
from trojanscope.triggers.stamp import stamp

# The re-search: signed-gradient steps of this size on the pattern (pixels in [0, 1]).
SEARCH_STEPS = 40
SEARCH_SIZE = 0.05
# The detector's mask counts where it is above this before it is grown.
MASK_ON = 0.1


def suspect_margin(logits: Tensor, suspect: int) -> Tensor:
    """Per row, the logit of ``suspect`` less the largest other logit (MM-BD's
    :func:`~trojanscope.detect.mmbd.margin` with every row labelled ``suspect``)."""
    return margin(logits, torch.full((len(logits),), suspect, dtype=torch.long))


def grown_mask(mask: Tensor, pixels: int) -> Tensor:
    """``mask`` (1×H×W) where above ``MASK_ON``, grown by ``pixels`` in every direction (a 0/1
    mask); ``mask`` itself for 0 pixels."""
    if pixels == 0:
        return mask
    hard = (mask > MASK_ON).float().unsqueeze(0)
    return F.max_pool2d(hard, 2 * pixels + 1, 1, pixels)[0]


def searched_trigger(model: nn.Module, x: Tensor, suspect: int, trigger: ReversedTrigger,
                     pixels: int) -> ReversedTrigger:
    """``trigger`` with its mask grown by ``pixels`` (:func:`grown_mask`) and its pattern after
    ``SEARCH_STEPS`` signed-gradient steps of ``SEARCH_SIZE`` on ``model`` (eval mode) that push
    ``x`` stamped with it towards ``suspect``, kept in [0, 1]."""
    mask = grown_mask(trigger.mask, pixels)
    pattern = pattern_steps(model, x, trigger.pattern, suspect, SEARCH_STEPS, SEARCH_SIZE,
                            lambda images, p: stamp(images, mask, p))
    return ReversedTrigger(trigger.target, mask, pattern)


def stamped_margin(model: nn.Module, x: Tensor, y: Tensor, suspect: int,
                   trigger: ReversedTrigger, search: int | None = None) -> float:
    """The mean of :func:`suspect_margin` over ``x``'s images not of ``suspect``, stamped with
    ``trigger`` (``model`` in eval mode, no gradient); with ``search`` (pixels), stamped with
    :func:`searched_trigger` on ``model`` instead. 0 where every image is of ``suspect``."""
    xs = outside(x, y, suspect)
    if len(xs) == 0:
        return 0.0
    if search is not None:
        trigger = searched_trigger(model, xs, suspect, trigger, search)
    with torch.no_grad():
        return float(suspect_margin(predict(model, trigger.apply(xs)), suspect).mean())
