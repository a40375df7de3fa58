"""A CA guard on clean images that no stage of `gated` trains on (``guard_hold``).

`gated`'s second stage holds back a quarter of the clean images for its guard, but the first
stage (FT-SAM) trains on all of them, so the guard reads 0.98-1.00 after it and never binds
while the scoring split loses 2-4 points (docs/benchmarks.md, issue 12 stops 39 and 40b). Here a
share of the clean images, drawn from the seed per class, is set apart before either stage: the
stages, the probes and the check work on the rest, and the second stage's guard reads accuracy
on the share, against the model before the stages (the original, or the projected model) less a
budget. The cost: fewer images to train on (150 of 200 at ``guard_hold=0.25``), and a coarse
reading (one image of 50 is two points), which the budget must allow for.
"""

from __future__ import annotations

from trojanscope.data.dataset import TensorDataset, stratified_split
from trojanscope.errors import UserInputError

# The split's seed is the method's seed moved by this, so the share is not the stage's own
# held-back quarter drawn again from the same seed on other indices.
SEED_OFFSET = 7919


def set_apart(clean: TensorDataset, fraction: float, seed: int,
              ) -> tuple[TensorDataset, TensorDataset]:
    """(the clean images the stages may use, the share set apart for the guard), per class,
    drawn from ``seed``; a share or a rest that would be empty is one clear error."""
    rest, held = stratified_split(clean.y.numpy(), fraction, seed + SEED_OFFSET)
    if len(held) == 0 or len(rest) == 0:
        raise UserInputError(f"guard_hold {fraction} of {len(clean)} clean samples leaves no "
                             "image for the guard or none to train on; give more clean samples "
                             "or another guard_hold")
    return clean.subset(rest), clean.subset(held)
