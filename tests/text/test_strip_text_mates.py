"""``strip-text``'s ``mates`` (issue 15, stop 55): each mixture holds the input and ``mates``
partners of another class; the first partner of mixture ``j`` is the one ``mates=1`` gives it
(the draw is one permutation's prefix), the mixture is as long as the input and its partners,
the seed decides the draw, and a bad value is refused in one line naming it."""

from __future__ import annotations

import pytest
import torch
from torch import Tensor, nn

from trojanscope import registry
from trojanscope.errors import UserInputError

from .test_strip_text_calibrate import BagOfWords, L, clean_rows


class Widths(BagOfWords):
    """:class:`BagOfWords` that records the width of each batch it is given."""

    def __init__(self) -> None:
        super().__init__()
        self.widths: list[int] = []

    def forward(self, ids: Tensor) -> Tensor:
        self.widths.append(int(ids.shape[1]))
        return super().forward(ids)


def fitted(model: nn.Module | None = None, seed: int = 0, **params):
    torch.set_num_threads(1)
    det = registry.create("input-detector", "strip-text", n=4, **params)
    det.fit(model or BagOfWords(), clean_rows(60, 0), generator=torch.Generator().manual_seed(seed))
    return det


def test_one_mate_is_the_default_and_more_draw_more_partners() -> None:
    assert registry.create("input-detector", "strip-text").get_params()["mates"] == 1
    one, two = fitted(), fitted(mates=2)
    for a, b in zip(one.partners_, two.partners_, strict=True):
        assert len(a) == 4 and len(b) == 8 and b[:4] == a  # today's partners come first


def test_each_mixture_holds_its_partner_then_the_nth_after_it() -> None:
    det = fitted(mates=2)
    drawn = det.partners_[1]
    assert det._mates(1) == [drawn[j] + drawn[j + 4] for j in range(4)]
    new = clean_rows(5, 7)
    pred = BagOfWords()(new).argmax(1)
    with torch.no_grad():
        keep, index = det.mixture_keeps(new, pred)
    row = new[0].tolist()
    mixes = [row + m if j % 2 == 0 else m + row for j, m in enumerate(det._mates(int(pred[0])))]
    want = BagOfWords()(torch.tensor(mixes)).softmax(1)[:, int(pred[0])]
    assert torch.allclose(keep[index == 0], want, atol=1e-6)


def test_the_mixture_is_as_long_as_the_input_and_its_mates() -> None:
    model = Widths()
    det = fitted(model, mates=3)
    assert det.resolved_params()["mix_len"] == 4 * L
    model.widths.clear()
    det.score(clean_rows(3, 1))
    assert max(model.widths) == 4 * L


def test_the_seed_decides_the_draw() -> None:
    new = clean_rows(9, 5)
    assert torch.equal(fitted(mates=2, seed=4).score(new), fitted(mates=2, seed=4).score(new))
    assert not torch.equal(fitted(mates=2, seed=4).score(new), fitted(mates=2, seed=5).score(new))


def test_a_mixture_longer_than_the_input_and_its_mates_is_refused() -> None:
    with pytest.raises(UserInputError, match=f"mix_len {3 * L + 1} is longer than 3 inputs"):
        fitted(mates=2, mix_len=3 * L + 1)
    assert fitted(mates=2, mix_len=3 * L).score(clean_rows(2, 1)).shape == (2,)


@pytest.mark.parametrize("bad", [0, -1, 1.5, 9, 1e12])
def test_a_bad_mates_is_refused_in_one_line(bad) -> None:
    with pytest.raises(UserInputError) as err:
        registry.create("input-detector", "strip-text", mates=bad)
    assert "mates must be a whole number" in str(err.value) and ", got " in str(err.value)
    assert "\n" not in str(err.value)
