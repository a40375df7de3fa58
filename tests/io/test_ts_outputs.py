"""A TorchScript model whose forward returns several values (stop 70: a user's CNN returning
its logits and its features stopped three commands on "unexpected AttributeError: 'tuple'
object ..."): refused in one line naming the outputs and the fix."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from trojanscope.errors import UserInputError
from trojanscope.io.models import load_model


class TwoOutputs(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Linear(4, 6)
        self.head = nn.Linear(6, 3)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = torch.relu(self.body(x))
        return self.head(h), h


def test_a_model_with_two_outputs_is_refused_in_one_line(tmp_path) -> None:
    path = tmp_path / "two.pt"
    torch.jit.script(TwoOutputs()).save(str(path))
    loaded = load_model(path)
    with pytest.raises(UserInputError, match=r"two.pt: 2 outputs \(N x 3, N x 6\); save a "
                                             r"forward returning the logits alone$"):
        loaded.module(torch.zeros(2, 4))
