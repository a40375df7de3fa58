"""What a data-level detector is, and what it returns.

A detector sees the (possibly poisoned) training data as given and the features of a model
trained on it; it never sees the attacker's ground truth. :meth:`DataDetector.score` returns one
suspicion score per sample (higher = more suspicious); :meth:`DataDetector.flag` turns scores
into flagged samples with a rule that does not need the poison rate (see :mod:`.flagging`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
from torch import Tensor

from trojanscope.detect.data.features import Features
from trojanscope.detect.data.flagging import DEFAULT_Z, robust_flags
from trojanscope.detect.data.verdict import SetVerdict
from trojanscope.errors import UserInputError
from trojanscope.params import ParamsMixin

CALIBRATED_MIN = 500
"""The smallest set the image verdict was calibrated on (clean MNIST subsets of 500-4,000
images, docs/detect-data.md): below it the verdict stands, with a note."""


@dataclass
class GroundTruthScore:
    """How the flags and scores compare with known poison (for reports only)."""

    poison_total: int
    flagged_poison: int
    precision: float
    recall: float
    fpr: float
    roc_auc: float

    @classmethod
    def compute(cls, suspicion: np.ndarray, flagged: np.ndarray, poison: np.ndarray
                ) -> GroundTruthScore:
        """Compare boolean ``flagged`` and ``suspicion`` with the boolean ``poison`` mask."""
        from sklearn.metrics import roc_auc_score

        tp = int((flagged & poison).sum())
        n_flag, n_pos, n_neg = int(flagged.sum()), int(poison.sum()), int((~poison).sum())
        both = 0 < n_pos < len(poison)
        return cls(
            poison_total=n_pos,
            flagged_poison=tp,
            precision=tp / n_flag if n_flag else 0.0,
            recall=tp / n_pos if n_pos else 0.0,
            fpr=(n_flag - tp) / n_neg if n_neg else 0.0,
            roc_auc=float(roc_auc_score(poison, suspicion)) if both else float("nan"),
        )


@dataclass
class DataDetection:
    """One detector's answer: a suspicion per sample, the flagged indices, suspected targets.

    ``target_classes`` are the labels the flagged samples carry, most flagged first (for a
    dirty-label backdoor: the attacker's target). ``poisoned`` is the set-level verdict of the
    methods that give one (``auto``, ``auto-features``; None for the others): False means no
    evidence of poisoning, and then nothing is flagged and no target named (see
    :mod:`.verdict`). ``notes`` are caveats shown beside the answer (a set smaller than the
    verdict was calibrated on). ``truth`` is filled when ground truth was given (a red-team
    run folder, or an ``.npz`` ``poison`` mask), for scoring only.
    """

    method: str
    suspicion: np.ndarray
    flagged: np.ndarray
    target_classes: list[int]
    elapsed_s: float
    feature_model: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    truth: GroundTruthScore | None = None
    poisoned: bool | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def keep(self) -> np.ndarray:
        """Indices of the samples not flagged (the cleaned set)."""
        mask = np.ones(len(self.suspicion), dtype=bool)
        mask[self.flagged] = False
        return np.flatnonzero(mask)

    def as_dict(self) -> dict[str, Any]:
        """The JSON contract of ``trojanscope detect-data --format json``."""
        out: dict[str, Any] = {
            "method": self.method,
            "poisoned": self.poisoned,
            "n_samples": len(self.suspicion),
            "n_flagged": len(self.flagged),
            "suspicion": [round(float(s), 6) for s in self.suspicion],
            "flagged": [int(i) for i in self.flagged],
            "target_classes": [int(c) for c in self.target_classes],
            "elapsed_s": round(self.elapsed_s, 3),
            "feature_model": self.feature_model,
            "details": self.details,
            "notes": list(self.notes),
        }
        if self.truth is not None:
            out.update({k: (None if isinstance(v, float) and np.isnan(v) else v)
                        for k, v in self.truth.__dict__.items()})
        return out


def target_classes(labels: np.ndarray, flagged: np.ndarray, num_classes: int) -> list[int]:
    """Classes holding a clearly outsized share of the flagged samples, most flagged first.

    A class counts when it holds at least twice its fair share (1/K) of the flags and at least
    three flags, so scattered false positives do not name a target."""
    if len(flagged) == 0:
        return []
    counts = np.bincount(labels[flagged], minlength=num_classes)
    fair = len(flagged) / num_classes
    order = np.argsort(-counts, kind="stable")
    return [int(c) for c in order if counts[c] >= max(3, 2 * fair)]


class DataDetector(ParamsMixin):
    """Base class: ``__init__`` stores the parameters, :meth:`score` does the work.

    ``min_per_class`` is the fewest samples a class needs for the method's statistics.
    """

    name: ClassVar[str] = ""
    min_per_class: ClassVar[int] = 10
    #: what :meth:`set_verdict` judges, recorded with the verdict (``details.verdict.of``) so
    #: the summaries name it: ``"classes"`` (a class stands out) or ``"groups"`` (a group of a
    #: table's rows does: ``label-groups``)
    verdict_of: ClassVar[str] = "classes"

    def score(self, feats: Features) -> Tensor | np.ndarray:
        """One suspicion score per sample (higher = more suspicious)."""
        raise NotImplementedError

    def flag(self, scores: np.ndarray, feats: Features) -> np.ndarray:
        """Indices of flagged samples: per-class robust outliers of ``scores`` (no poison
        rate needed; see :func:`~trojanscope.detect.data.flagging.robust_flags`)."""
        return robust_flags(scores, feats.labels.numpy(), DEFAULT_Z)

    def set_verdict(self) -> SetVerdict | None:
        """Whether the set the last :meth:`run` saw is poisoned at all (None: the method
        gives no set-level verdict)."""
        return None

    def verdict_calibrated(self, feats: Features) -> bool:
        """Whether :meth:`set_verdict`'s thresholds were set on features like ``feats``: by
        default those of the model trained here (a given model's features were never
        calibrated, so its verdict is shown but decides nothing)."""
        return feats.info.get("source", "trained") == "trained"

    def verdict_note(self, n: int) -> str | None:
        """A caveat shown with a calibrated verdict on ``n`` samples (None: none): by default
        below the smallest image set the verdict was calibrated on. It names no figure of a
        past review (stop 72, hfix: it quoted one stop 71's ``small_confirm`` had outdated),
        and sends the user to no flagged samples a clean verdict does not have (stop 74)."""
        if n >= CALIBRATED_MIN:
            return None
        return (f"the set holds {n} samples, fewer than the {CALIBRATED_MIN}-4,000 the "
                "set-level verdict was calibrated on: on a set this small it is less sure and "
                "a clean set can still be judged poisoned (auto and auto-features name a class "
                "on such a set only where two signals agree, unless -p small_confirm=0; other "
                "methods do not check); look at the suspicion scores, and at any flagged "
                "samples, before acting on the verdict")

    def confine_flags(self, flagged: np.ndarray, labels: np.ndarray,
                      verdict: SetVerdict) -> np.ndarray:
        """The flags of a set its (calibrated) verdict judges poisoned, narrowed where the
        method has a rule for it (``auto``'s ``confine``); as given by default."""
        del labels, verdict
        return flagged

    def run_notes(self, num_classes: int) -> list[str]:
        """Caveats about the last :meth:`run` that the result shows its user (none by
        default; ``auto`` names the limits of its figures on a two-class set)."""
        del num_classes
        return []

    def run(self, feats: Features) -> tuple[np.ndarray, np.ndarray]:
        """Suspicion per sample and the flagged indices (methods that decide by clusters
        override this to share one pass)."""
        scores = np.asarray(self.score(feats), dtype=np.float64)
        return scores, self.flag(scores, feats)

    def check(self, feats: Features) -> None:
        """Refuse data a method cannot judge, saying how many samples it needs."""
        self.check_labels(feats.labels.numpy(), feats.num_classes)

    def check_labels(self, labels: np.ndarray, num_classes: int) -> None:
        """Refuse labels the method cannot judge (none at all, negative ones, a single class,
        a class with fewer samples than :attr:`min_per_class`); :func:`~.run.detect_data`
        calls it before training a feature model too, so that a set too small fails at once,
        in one line."""
        labels = np.asarray(labels)
        if labels.size == 0:
            raise UserInputError("the data set is empty")
        if labels.min() < 0:
            raise UserInputError(
                f"labels must be class indices 0..{num_classes - 1}, found {int(labels.min())}"
            )
        counts = np.bincount(labels, minlength=num_classes)
        present = counts[counts > 0]
        if len(present) < 2:
            raise UserInputError(
                f"{self.name}: the data hold a single class; data-level detection compares "
                "classes and needs at least 2"
            )
        if present.min() < self.min_per_class:
            small = int(np.flatnonzero((counts > 0) & (counts < self.min_per_class))[0])
            raise UserInputError(
                f"{self.name}: class {small} has {int(counts[small])} samples; the method needs "
                f"at least {self.min_per_class} per class"
            )
