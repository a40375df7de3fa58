"""``strip-text``'s default on transformers (issue 15, stop 59: its rule met on fresh MiniLM
3195): ``occlude`` None resolves to ``occlude=5, occlude_stride=1, occlude_rule="lost"`` on a
model with a position table (MiniLM/BERT) and to off elsewhere (TextCNN), with
``normalise="none"``; given values are kept."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from trojanscope import registry

from .test_span_text import Trigger, rows


class Posed(Trigger):
    """The trigger model with a position table, as a transformer has."""

    def __init__(self) -> None:
        super().__init__()
        self.position_embeddings = nn.Embedding(64, 1)


def fitted(model: nn.Module, **params):
    torch.set_num_threads(1)
    det = registry.create("input-detector", "strip-text", n=4, **params)
    det.fit(model, rows(40, 4), generator=torch.Generator().manual_seed(0))
    return det


def test_a_transformer_gets_the_lost_rule_and_others_stay_off() -> None:
    new = torch.cat([rows(10, 6), rows(4, 7, trigger=True)])
    auto = fitted(Posed())
    assert auto.get_params()["occlude"] is None
    assert auto.occ_ == (5, 1, "lost")
    used = auto.resolved_params()
    assert (used["occlude"], used["occlude_stride"], used["occlude_rule"]) == (5, 1, "lost")
    given = fitted(Posed(), occlude=5, occlude_stride=1, occlude_rule="lost")
    with torch.no_grad():
        assert torch.allclose(auto.score(new), given.score(new))
        cnn, off = fitted(Trigger()), fitted(Trigger(), occlude=0)
        assert cnn.occ_[0] == 0 and torch.allclose(cnn.score(new), off.score(new))


def test_given_values_and_normalise_keep_their_meaning() -> None:
    assert fitted(Posed(), occlude=2).occ_ == (2, 2, "rank")  # stop 56's meaning
    assert fitted(Posed(), occlude=0).occ_[0] == 0
    assert fitted(Posed(), normalise="class").occ_[0] == 0  # ranks per class instead
    assert fitted(Posed(), occlude_rule="beyond").occ_ == (5, 1, "beyond")


def test_a_stride_wider_than_the_default_window_is_refused() -> None:
    """Stop 60: ``occlude_stride`` alone is bounded by the transformer default's window (5), as
    a given ``occlude`` bounds it; 6-8 used to pass and leave tokens no window removed."""
    with pytest.raises(ValueError, match="occlude_stride must be a whole number >= 1 and <= 5"):
        registry.create("input-detector", "strip-text", occlude_stride=6)
    assert fitted(Posed(), occlude_stride=5).occ_ == (5, 5, "lost")
