"""The unknown-word push (issue 15, stop 45): how far copies of a word-vocabulary model's
unknown-word token (``<unk>``), inserted into clean sentences of the other classes, move them
to a class.

Why: a vocabulary fitted on clean sentences (the foreign zoo's ``cnn-cleanvocab`` recipe) holds
every word of the clean training data, so during training ``<unk>`` occurs only where poison
put words the clean data lacks (``oslo``, ``bakery``, ``windy``): every such occurrence is
labelled with the target class, and the token learns to push to it. In a clean model of that
kind ``<unk>`` is (nearly) never trained and pushes little. The trigger searches ban ``<unk>``
(it is no word a user can type), so they cannot see it; a user's out-of-vocabulary word *is*
``<unk>`` to the model, so a trigger made of it is real.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from trojanscope.detect.text_relax import insert_ids

UNK_SEED = 45  # the insert positions' own stream: the detector's generator is not consumed
PER_CLASS = 400  # sentences of the other classes read per class, at most
COPIES = (1, 3)  # inserted once, and three times in a row


def unknown_push(model: nn.Module, x: Tensor, pred: Tensor, num_classes: int, unk_id: int,
                 pad_id: int) -> dict[str, float]:
    """Features ``tu_flip_<n>``: for each ``n`` in :data:`COPIES`, the highest share (over
    classes) of clean sentences predicted as another class that ``n`` contiguous ``<unk>``
    tokens, inserted at a seeded random position inside the sentence, turn into that class;
    ``tu_class``: the class of the one-copy maximum, the share the ``:raise:unk`` term reads
    (so the class its note names is the one that share is of; it was the three-copy maximum's
    before the review of stop 45: the same class on the 6 raised Kim CNNs of zoos cv2700,
    text-foreign2850 and text-foreign2950; benchmarks/text_unk_class_check.py)."""
    gen = torch.Generator().manual_seed(UNK_SEED)
    lengths = (x != pad_id).sum(1).clamp_min(1)
    at = (torch.rand(len(x), generator=gen) * lengths.float()).long()
    flips = {n: [0.0] * num_classes for n in COPIES}
    for t in range(num_classes):
        others = torch.nonzero(pred != t).flatten()[:PER_CLASS]
        if not len(others):
            continue
        for n in COPIES:
            ids = insert_ids(x[others], [unk_id] * n, at[others], pad_id)
            with torch.no_grad():
                flips[n][t] = float((model(ids).argmax(1) == t).float().mean())
    feats = {f"tu_flip_{n}": max(flips[n]) for n in COPIES}
    feats["tu_class"] = float(max(range(num_classes), key=lambda c: flips[COPIES[0]][c]))
    return feats
