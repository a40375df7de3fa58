"""What the data-level detectors read for text: the sentences themselves (``text-ngrams``), and
the features of a TextCNN trained on them (the feature-model methods: ``auto``, ``spectral``,
``activation-clustering`` … as for images)."""

from __future__ import annotations

from typing import Any

import torch

from trojanscope.detect.data.features import FEATURE_EPOCHS, Features, train_features

TEXT_ARCH = "textcnn"


def text_features(data: Any) -> Features:
    """Features of text data without a model: the sentences and labels only."""
    empty = torch.zeros(len(data), 0)
    return Features(empty, empty, data.labels.clone(), data.num_classes,
                    texts=tuple(data.texts), info={"source": "sentences (no model)"})


def train_text_features(data: Any, *, seed: int = 0, epochs: int = FEATURE_EPOCHS) -> Features:
    """Features of a TextCNN trained on ``data`` (its word vocabulary fitted on the sentences as
    given, poison included, as a victim's would be)."""
    from trojanscope.models.text_common import prepare

    encoder, args = prepare(TEXT_ARCH, {}, data)
    feats = train_features(data.with_encoder(encoder), seed=seed, epochs=epochs, arch=TEXT_ARCH,
                           arch_args=args)
    feats.texts = tuple(data.texts)
    return feats
