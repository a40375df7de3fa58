"""The test split's commonest-class share is read by one helper (stop 79 review, hrev):
``attack_notes`` (hcmd, stop 79) had written ``chance_notes``' reading again."""

from __future__ import annotations

import numpy as np
import torch

from trojanscope.cli.experiment_opts import attack_notes, chance_notes, commonest_share


def test_one_share_for_both_notes() -> None:
    labels = torch.tensor([0] * 29 + [1])
    assert commonest_share(labels) == 29 / 30 and commonest_share(np.arange(4) % 2) == 0.5
    assert commonest_share([]) is None and commonest_share(None) is None
    (chance,) = chance_notes({"clean_accuracy": 0.95}, labels)
    (attack,) = attack_notes({"n_triggered": 3, "n_flippable": 0, "clean_accuracy": 0.95},
                             True, labels)
    assert f"{29 / 30:.2%}" in chance and f"{29 / 30:.2%}" in attack
