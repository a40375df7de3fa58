"""The default method: the best combination measured on the project's zoos.

MM-BD gives the probability and names the suspected target: the shipped calibrator, chosen by
leave-one-out cross-validation on the pooled calibration zoos, uses MM-BD's features (adding the
trigger search's did not lower the cross-entropy), and MM-BD's top class was the target more
often than the trigger search's. With clean data the trigger search then recovers the triggers
of MM-BD's most suspicious classes only — the evidence a reviewer looks at — which costs a
fraction of a full search over every class. See docs/detection.md for the measured figures.
"""

from __future__ import annotations

import numpy as np
import torch

from trojanscope import registry
from trojanscope.detect.base import InspectionTarget, ModelDetector, ModelVerdict
from trojanscope.detect.normalised import clean_statistics, normalised_features
from trojanscope.detect.trigger_search import TriggerSearch
from trojanscope.registry import register


@register("detector", "auto")
class AutoDetector(ModelDetector):
    """Default: MM-BD's calibrated verdict; with clean data, plus the recovered triggers of its
    most suspicious classes."""

    name = "auto"
    needs_data = False

    def run(self, target: InspectionTarget, generator: torch.Generator) -> ModelVerdict:
        mmbd: ModelDetector = registry.create("detector", "mmbd")
        verdict = mmbd.run(target, generator)
        verdict.method = self.name
        if target.clean is None:
            return verdict
        # MM-BD's margins on the model's own clean-data scale (detect/normalised.py): one
        # forward pass over at most 20 clean samples per class, drawn with a generator of their
        # own so that the trigger search below sees the same draws as before.
        clean_margin, logit_std = clean_statistics(
            target.model, target.clean, target.num_classes, torch.Generator().manual_seed(0))
        verdict.features.update(normalised_features(
            _per_class(verdict, "margin"), clean_margin, logit_std,
            margins_early=_per_class(verdict, "early_margin")))
        search: TriggerSearch = registry.create("detector", "trigger_search")
        suspects = verdict.target_classes[: search.arms]
        verdict.triggers, norms = search.recover(target, suspects, generator)
        for row in verdict.per_class:
            if row.cls in norms:
                row.details["trigger_mask_l1"] = norms[row.cls]
        # Mask size of the top suspect's trigger relative to the image (small = a compact
        # trigger flips other classes' inputs to it); recorded, not used by the calibrator.
        h, w = target.input_shape[1:]
        verdict.features["ts_suspect_mask_fraction"] = norms[suspects[0]] / float(h * w)
        return verdict


def _per_class(verdict: ModelVerdict, key: str) -> np.ndarray:
    return np.array([r.details[key] for r in sorted(verdict.per_class, key=lambda r: r.cls)])
