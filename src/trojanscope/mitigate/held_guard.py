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


def set_apart(clean: TensorDataset, fraction: float, seed: int, min_rest: int = 1,
              ) -> tuple[TensorDataset, TensorDataset]:
    """(the clean images the stages may use, the share set apart for the guard), per class,
    drawn from ``seed``; an empty share, or a rest under ``min_rest`` (what the first stage
    needs), is one clear error."""
    rest, held = stratified_split(clean.y.numpy(), fraction, seed + SEED_OFFSET)
    if len(held) == 0 or len(rest) < max(1, min_rest):
        raise UserInputError(f"guard_hold {fraction} of {len(clean)} clean samples leaves "
                             f"{len(held)} for the guard and {len(rest)} to train on (at least "
                             f"{max(1, min_rest)} needed); give more clean samples or a smaller "
                             "guard_hold")
    return clean.subset(rest), clean.subset(held)
