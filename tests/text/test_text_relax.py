"""Token insertion of the relaxed text-trigger search: where the copies land."""
from __future__ import annotations

import torch
from torch import Tensor, nn

from trojanscope.detect.text_relax import insert_ids, inserted_prob


class _Recorder(nn.Module):
    """Two-class stand-in that keeps the ids it was given."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[Tensor] = []

    def forward(self, ids: Tensor) -> Tensor:
        self.seen.append(ids.clone())
        return torch.zeros(len(ids), 2)


def test_insert_ids_per_row_positions_match_the_fixed_position_insert() -> None:
    ids = torch.tensor([[5, 6, 7, 8, 0, 0], [9, 10, 0, 0, 0, 0]])
    for at in range(4):
        fixed = insert_ids(ids, [3, 4], at, pad_id=0)
        per_row = insert_ids(ids, [3, 4], torch.full((2,), at), pad_id=0)
        assert torch.equal(fixed, per_row)
    mixed = insert_ids(ids, [3], torch.tensor([4, 2]), pad_id=0)
    assert mixed.tolist() == [[5, 6, 7, 8, 3, 0], [9, 10, 3, 0, 0, 0]]


def test_second_copy_never_lands_in_the_padding_of_a_short_sentence() -> None:
    model = _Recorder()
    x = torch.tensor([[5, 6, 0, 0, 0, 0, 0, 0], [5, 6, 7, 8, 9, 10, 0, 0]])
    inserted_prob(model, x, 1, [3], at=0, pad_id=0, copies=2, gap=4)
    out = model.seen[-1]
    for row in out.tolist():
        real = [tok != 0 for tok in row]
        assert real == sorted(real, reverse=True), row  # no token after the padding starts
        assert row.count(3) == 2
    assert out[1].tolist() == [3, 5, 6, 7, 3, 8, 9, 10]  # long sentence: at + gap, as before
