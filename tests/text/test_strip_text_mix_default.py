"""``strip-text`` with ``mix_len=None`` (issue 15, stop 48): a mixture keeps twice the input
length, bounded by the model's position table, and the length used is in ``resolved_params``
(what ``detect-inputs`` writes as ``params_used``)."""

from __future__ import annotations

import torch
from torch import nn

from trojanscope import registry

from .test_strip_text_mix_len import TRIGGER, L, Positions, TriggerWord, rows


def fitted(model: nn.Module, mix_len: int | None):
    torch.set_num_threads(1)
    clean = torch.cat([rows([2] * 10), rows([3] * 10)])
    det = registry.create("input-detector", "strip-text", n=4, mix_len=mix_len)
    det.fit(model, clean, generator=torch.Generator().manual_seed(0))
    return det


def test_null_takes_twice_the_input_length_and_records_it() -> None:
    model = TriggerWord()
    triggered = rows([2] * 4, last=TRIGGER)
    auto, whole = fitted(model, None), fitted(model, 2 * L)
    model.widths.clear()
    scores = auto.score(triggered)
    assert max(model.widths) == 2 * L
    assert torch.equal(scores, whole.score(triggered)) and float(scores.min()) > 0.99
    assert auto.resolved_params()["mix_len"] == 2 * L and auto.get_params()["mix_len"] is None
    assert fitted(model, 0).resolved_params()["mix_len"] == L  # 0: the cut at the input length


class WithPositions(TriggerWord):
    """``TriggerWord`` with a position table of ``limit`` rows (shorter than two inputs)."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.table = Positions(limit, None)


def test_null_is_bounded_by_the_position_table() -> None:
    model = WithPositions(L + 3)
    det = fitted(model, None)
    model.widths.clear()
    det.score(rows([2] * 2, last=TRIGGER))
    assert max(model.widths) == L + 3 and det.resolved_params()["mix_len"] == L + 3
