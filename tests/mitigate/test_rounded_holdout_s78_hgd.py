"""Stop 78 (hgd): ``--holdout 0.25`` on a user's 200 images was refused with "give at least
200" because the split by class held out 49; the refusal now names the count held out and a
``--holdout`` that holds out enough, and still says "give at least N" where the file is short."""

from __future__ import annotations

import numpy as np

from trojanscope.data.dataset import make_dataset, stratified_split
from trojanscope.mitigate.run import MIN_HELDOUT, rounded_words


def labels_200() -> np.ndarray:
    """200 labels whose per-class rounding at 0.25 holds out 46 (nine classes of 18, one of 38)."""
    return np.repeat(np.arange(10), [18] * 9 + [38])


def test_the_rounding_is_named_with_a_share_that_holds_out_enough() -> None:
    y = labels_200()
    clean = make_dataset(np.zeros((200, 1, 2, 2), np.float32), y, num_classes=10)
    held = len(stratified_split(y, 0.25, 0)[1])
    assert held < MIN_HELDOUT
    words = rounded_words(clean, 0.25, held, 200, 50)
    assert words.startswith(f"the split by class held out {held}: give --holdout ")
    share = float(words.split("--holdout ")[1].split()[0])
    assert len(stratified_split(y, share, 0)[1]) >= MIN_HELDOUT
    assert len(stratified_split(y, share - 0.01, 0)[1]) < MIN_HELDOUT  # the smallest that does


def test_a_short_file_is_still_told_how_many_to_give() -> None:
    y = labels_200()[:150]
    clean = make_dataset(np.zeros((150, 1, 2, 2), np.float32), y, num_classes=10)
    assert rounded_words(clean, 0.25, 37, 200, 50) == "give at least 200"
