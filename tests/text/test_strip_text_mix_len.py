"""``strip-text``'s ``mix_len`` (issue 15, stop 47): mixtures cut at the input's length lose a
trigger at the end of an input placed second; ``mix_len`` keeps the whole mixture."""

from __future__ import annotations

import pytest
import torch
from torch import Tensor, nn

from trojanscope import registry

L, PAD, TRIGGER = 6, 0, 99


class TriggerWord(nn.Module):
    """Class 1 when the trigger id is anywhere in the row, else by the first token's parity."""

    pad_id = PAD

    def __init__(self) -> None:
        super().__init__()
        self.widths: list[int] = []

    def forward(self, ids: Tensor) -> Tensor:
        self.widths.append(ids.shape[1])
        has = (ids == TRIGGER).any(1)
        parity = ids[:, 1] % 2 == 1
        one = has | parity
        return torch.stack([(~one).float(), one.float()], 1) * 6.0


def rows(first: list[int], last: int | None = None) -> Tensor:
    """Full rows of length ``L``: token 1 (a start token), ``first`` then filler, ``last``."""
    out = []
    for f in first:
        row = [1, f, 4, 4, 4, last if last is not None else 4]
        out.append(row)
    return torch.tensor(out, dtype=torch.long)


def test_mix_len_keeps_a_trigger_that_the_default_cut_drops() -> None:
    torch.set_num_threads(1)
    model = TriggerWord()
    clean = torch.cat([rows([2] * 10), rows([3] * 10)])  # class 0 and class 1, all full
    triggered = rows([2] * 4, last=TRIGGER)  # class-0 words, trigger as the last token
    assert model(triggered).argmax(1).tolist() == [1] * 4
    scores = {}
    for mix_len in (0, 2 * L):
        det = registry.create("input-detector", "strip-text", n=4, mix_len=mix_len)
        det.fit(model, clean, generator=torch.Generator().manual_seed(0))
        model.widths.clear()
        scores[mix_len] = det.score(triggered)
        assert max(model.widths) == (mix_len or L)
    # cut at L, half the mixtures (input last) lose the trigger; whole, every one keeps it
    assert float(scores[2 * L].min()) > 0.99
    assert float(scores[0].max()) < 0.6
    assert registry.create("input-detector", "strip-text").get_params()["mix_len"] == 0


def test_mix_len_below_zero_is_refused() -> None:
    with pytest.raises(Exception, match="mix_len"):
        registry.create("input-detector", "strip-text", mix_len=-1)
