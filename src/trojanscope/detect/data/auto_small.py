"""``auto`` on a set whose classes are uneven: the classes too small for its statistics are left
out of the judgement and named, instead of refusing the whole set.

``auto``'s label-consistency vote reads ``k`` early neighbours (20): a class of ``k // 2``
samples or fewer cannot hold a majority of any sample's neighbours, so every one of its samples
"disagrees" and the class would look poisoned. A user's 200 images are often uneven (stop 69's
seed-77 set: class 5 held 10 images, and ``auto`` refused the set). Here such a class is set
aside: the other classes are judged on their own samples (the features are still read, or
trained, on the whole set), and the verdict says which classes it did not judge. A backdoor
whose target is a left-out class cannot be seen; one whose carriers come *from* it still lands
in a judged (target) class.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from trojanscope.detect.data.features import Features
from trojanscope.detect.data.verdict import SetVerdict
from trojanscope.errors import UserInputError


def small_classes(labels: np.ndarray, num_classes: int, need: int) -> dict[int, int]:
    """The classes present in ``labels`` with fewer than ``need`` samples: class -> count."""
    counts = np.bincount(np.asarray(labels), minlength=num_classes)
    return {int(c): int(counts[c]) for c in np.flatnonzero((counts > 0) & (counts < need))}


def leaves_enough(labels: np.ndarray, num_classes: int, need: int, name: str) -> bool:
    """Whether ``labels`` hold classes under ``need`` samples and at least two with enough
    (the small ones are then left out, not refused). With exactly one class that has enough,
    nothing is left to compare it with: refused, naming the classes to add samples to. With
    none, False (every method's own check refuses, naming the first small class)."""
    counts = np.bincount(np.asarray(labels), minlength=num_classes)
    short = small_classes(labels, num_classes, need)
    enough = np.flatnonzero(counts >= need)
    if not short or len(enough) == 0:
        return False
    if len(enough) >= 2:
        return True
    listed = ", ".join(f"class {c} has {n}" for c, n in short.items())
    raise UserInputError(
        f"{name}: only class {int(enough[0])} has at least {need} samples ({listed}); the "
        f"method judges the classes with at least {need} samples by comparing them, so it "
        f"needs two such classes: add samples to a small class")


def subset_features(feats: Features, keep: np.ndarray) -> Features:
    """``feats`` restricted to the samples at ``keep`` (the model, ``info`` and the number of
    classes unchanged: class ids stay as the data give them)."""
    idx = np.asarray(keep, dtype=np.int64)

    def take(t: Any) -> Any:
        return None if t is None else t[idx]

    return replace(
        feats, features=feats.features[idx], logits=feats.logits[idx],
        labels=feats.labels[idx], early=take(feats.early), late=take(feats.late),
        texts=None if feats.texts is None else tuple(feats.texts[i] for i in idx),
        data=None if feats.data is None else feats.data.subset(idx),
    )


@dataclass
class LeftOutVerdict(SetVerdict):
    """A set-level verdict over the judged classes only; ``left_out`` names the classes left
    out (class -> samples) and ``need`` the samples a class needs to be judged."""

    left_out: dict[int, int] = field(default_factory=dict)
    need: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(),
                "left_out": [{"class": c, "samples": n, "needs": self.need}
                             for c, n in self.left_out.items()]}


def with_left_out(verdict: SetVerdict, left_out: dict[int, int], need: int) -> SetVerdict:
    """``verdict`` marked with the classes it did not judge (as given when there are none)."""
    if not left_out:
        return verdict
    return LeftOutVerdict(verdict.poisoned, verdict.reasons, verdict.classes,
                          left_out=dict(left_out), need=need)


def left_out_note(left_out: dict[int, int], need: int, method: str) -> str:
    """The line shown beside the answer: which classes were not judged, why, and what to add."""
    listed = ", ".join(f"class {c} ({n} sample{'s' if n != 1 else ''}: add {need - n})"
                       for c, n in left_out.items())
    one = len(left_out) == 1
    return (f"{method} did not judge {listed}: it needs at least {need} samples in a class to "
            f"judge it, so the verdict and the flags cover the other classes only, and a "
            f"backdoor whose target is {'that class' if one else 'one of those classes'} would "
            f"not be seen; {'its' if one else 'their'} samples are not flagged")
