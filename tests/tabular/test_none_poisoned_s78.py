"""A table attack whose rate poisons no row says so in rows and names the opt-in ways to poison
a small table (stop 78 first contact, hcmd: a user's 300-row fraud table with 9 fraud rows in
its training split got "poison rate 0.05 of 9 eligible samples poisons none; raise it")."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from trojanscope.attacks.named import BadNets
from trojanscope.attacks.tabular import TabularBadNets
from trojanscope.errors import UserInputError


def test_a_table_attack_names_rows_and_its_small_table_options() -> None:
    labels = np.array([1] * 231 + [0] * 9)  # fraud (0 is the target) on 9 rows
    with pytest.raises(UserInputError) as caught:
        TabularBadNets(target=1).choose(labels, torch.Generator().manual_seed(0))
    line = str(caught.value)
    assert line.startswith("poison rate 0.05 of the 9 training rows tabular-badnets may poison "
                           "relabels none: raise --poison-rate")
    assert "(--attack-param copies=N adds N triggered rows; opt-in" in line
    # 9 rows are under the floor's 10 (min_poison_rows would be refused): not offered there
    labels = np.array([1] * 231 + [0] * 12)
    with pytest.raises(UserInputError, match="copies=N adds N triggered rows, min_poison_rows=N"):
        TabularBadNets(target=1, poison_rate=0.01).choose(labels, torch.Generator())


def test_an_image_attack_keeps_its_line() -> None:
    labels = np.array([1] * 20 + [0] * 9)
    with pytest.raises(UserInputError, match=r"of 20 eligible samples poisons none; raise it$"):
        BadNets(poison_rate=0.01).choose(labels, torch.Generator().manual_seed(0))
