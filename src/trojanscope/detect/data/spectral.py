"""Spectral Signatures (Tran, Li & Madry, NeurIPS 2018), with a flagging rule that needs no
poison rate.

Within a class that holds poison, the centred features of poisoned samples stand out along the
top singular direction. The classic method removes a fixed share (1.5x the expected poison rate)
of each class; here each class's squared projections are divided by that class's median, which
puts every class on one scale, and the shared robust outlier test flags the tail.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from trojanscope.detect.data.base import DataDetector
from trojanscope.detect.data.features import Features
from trojanscope.registry import register


def spectral_scores(features: Tensor, labels: Tensor) -> Tensor:
    """Squared projection of each centred feature on its class's top singular direction."""
    scores = torch.zeros(len(labels), dtype=features.dtype)
    for c in labels.unique():
        idx = torch.nonzero(labels == c).flatten()
        if len(idx) < 2:
            continue
        centred = features[idx] - features[idx].mean(0)
        _, _, vh = torch.linalg.svd(centred, full_matrices=False)
        scores[idx] = (centred @ vh[0]) ** 2
    return scores


@register("data-detector", "spectral")
class SpectralSignatures(DataDetector):
    """Spectral Signatures (Tran et al., 2018): outliers along each class's top singular
    direction of the penultimate features."""

    name = "spectral"

    def score(self, feats: Features) -> np.ndarray:
        raw = spectral_scores(feats.features.double(), feats.labels).numpy()
        labels = feats.labels.numpy()
        out = np.zeros_like(raw)
        for c in np.unique(labels):
            idx = labels == c
            out[idx] = raw[idx] / max(float(np.median(raw[idx])), 1e-12)
        return out
