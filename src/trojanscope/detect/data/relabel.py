"""Relabelling instead of dropping: keep the flagged samples, each with the label a model
trained on the unflagged samples gives it.

Dropping the flagged samples also drops the images under the trigger (a tenth of the set at 10%
poison) and the clean samples flagged by mistake. A model trained (the one engine, the
project's recipe) on the samples *not* flagged has not learnt the backdoor, so it gives a
triggered image the class its content shows, and a wrongly flagged clean sample usually its own
label back. Training on the relabelled set keeps every image and teaches that the trigger does
not mean the target.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from trojanscope.data.dataset import BatchDataset
from trojanscope.detect.data.base import DataDetection

RELABEL_EPOCHS = 3


def kept_part_model(data: BatchDataset, keep: np.ndarray, *, epochs: int = RELABEL_EPOCHS,
                    seed: int = 0) -> nn.Module:
    """A fresh model of the feature model's kind trained on the ``keep`` samples only."""
    from trojanscope.defences.subset import IndexSubset
    from trojanscope.detect.data.features import default_arch
    from trojanscope.engine.train import Trainer, seeded
    from trojanscope.models import create_model

    with seeded(seed):
        model = create_model(default_arch(data), data.input_shape, data.num_classes)
    Trainer(epochs=epochs, seed=seed).fit(model, IndexSubset(data, torch.as_tensor(keep)))
    return model


def flagged_probabilities(result: DataDetection, data: BatchDataset, *,
                          epochs: int = RELABEL_EPOCHS, seed: int = 0) -> np.ndarray:
    """Class probabilities of the kept-part model for each flagged sample (rows in the order
    of ``result.flagged``)."""
    from trojanscope.engine.metrics import predict

    model = kept_part_model(data, result.keep, epochs=epochs, seed=seed)
    flagged = torch.as_tensor(result.flagged, dtype=torch.long)
    rows = []
    with torch.no_grad():
        for start in range(0, len(flagged), 1024):
            x, _ = data.get_batch(flagged[start:start + 1024])
            rows.append(predict(model, x).softmax(1).numpy())
    return np.concatenate(rows) if rows else np.zeros((0, data.num_classes), np.float32)


def relabelled(result: DataDetection, data: BatchDataset, *, epochs: int = RELABEL_EPOCHS,
               seed: int = 0) -> np.ndarray:
    """Labels of every sample: as given for the unflagged ones, the kept-part model's
    prediction for the flagged ones."""
    labels = data.labels.numpy().copy()
    if len(result.flagged) == 0:
        return labels
    probs = flagged_probabilities(result, data, epochs=epochs, seed=seed)
    labels[result.flagged] = probs.argmax(1)
    return labels


def restored(result: DataDetection, data: BatchDataset, *, epochs: int = RELABEL_EPOCHS,
             seed: int = 0) -> np.ndarray:
    """Indices of the samples to train on: the unflagged ones, and the flagged ones whose own
    label the kept-part model predicts (clean samples flagged by mistake; a dirty-label
    carrier's label is the attack's target, which that model, not having learnt the backdoor,
    does not give its image). A clean-label carrier (SIG) keeps its true class as its label,
    so the model agrees with it and it goes back: this step cannot tell those from clean
    samples."""
    if len(result.flagged) == 0:
        return np.asarray(result.keep)
    probs = flagged_probabilities(result, data, epochs=epochs, seed=seed)
    own = data.labels.numpy()[result.flagged]
    back = np.asarray(result.flagged)[probs.argmax(1) == own]
    return np.sort(np.concatenate([np.asarray(result.keep), back]))
