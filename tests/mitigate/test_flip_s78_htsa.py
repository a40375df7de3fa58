"""``mitigate`` records the flip rate beside the ASR, from the held-out rows the triggered set
is made of, and reads "still there" on it (issue 12 stop 78, htsa)."""

from __future__ import annotations

import torch
from torch import nn

from trojanscope.data.dataset import TensorDataset
from trojanscope.mitigate.run import (
    TriggeredSet,
    attack_triggered,
    measure,
    still_there,
    still_there_words,
)


class _SaysZero(nn.Module):
    """Class 0 wherever the first feature is above 0.5 (the 'trigger' or the row's own value)."""

    def forward(self, x):
        hot = (x[:, 0] > 0.5).float()
        return torch.stack([hot, 1 - hot], dim=1)


def test_flip_leaves_out_what_the_model_answers_untriggered():
    x = torch.tensor([[1.0], [1.0], [1.0], [0.0]])  # three at class 0 already
    target = torch.zeros(4, dtype=torch.long)
    clean = TriggeredSet(x.clone(), torch.ones(4, dtype=torch.long), target, "t", x.clone())
    read = measure(_SaysZero(), None, clean)
    assert read["asr"] == 0.75 and read["flip"] == 0.0 and read["flip_inputs"] == 1
    assert not still_there(read, dict(read))  # the model's own answer is no residue
    assert still_there({"asr": 0.75}, {"asr": 0.75})  # an old record: as before
    moved = TriggeredSet(torch.ones(4, 1), torch.ones(4, dtype=torch.long), target, "t", x)
    read = measure(_SaysZero(), None, moved)
    assert read["flip"] == 1.0 and still_there(read, read)
    words = still_there_words("gated", read, read, 4, "gated")
    assert words is not None and "flip rate" in words and "100.00% before" in words


def test_the_attack_set_carries_its_rows_untriggered():
    from trojanscope.attacks.named import BadNets

    held = TensorDataset(torch.rand(30, 1, 8, 8), torch.arange(30) % 3, ("a", "b", "c"))
    attack = BadNets(target=0)
    made = attack_triggered(attack)(held)
    index = attack.test_index(held)
    assert made.clean is not None and torch.equal(made.clean, held.x[index])
    assert len(made.clean) == len(made.x) == 20
