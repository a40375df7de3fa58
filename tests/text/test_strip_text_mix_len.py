"""``strip-text``'s ``mix_len`` (issue 15, stop 47): mixtures cut at the input's length lose a
trigger at the end of an input placed second; ``mix_len`` keeps the whole mixture. A length the
model cannot take (its position table) or longer than two inputs is refused before fitting."""

from __future__ import annotations

import importlib.util

import pytest
import torch
from torch import Tensor, nn

from trojanscope import registry
from trojanscope.detect.input_level.text_base import position_limit
from trojanscope.errors import UserInputError

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
    assert registry.create("input-detector", "strip-text").get_params()["mix_len"] is None


def test_mix_len_below_zero_is_refused() -> None:
    with pytest.raises(Exception, match="mix_len"):
        registry.create("input-detector", "strip-text", mix_len=-1)


def test_mix_len_longer_than_two_inputs_is_refused_before_fitting() -> None:
    torch.set_num_threads(1)
    model = TriggerWord()
    clean = torch.cat([rows([2] * 10), rows([3] * 10)])
    det = registry.create("input-detector", "strip-text", n=4, mix_len=2 * L + 1)
    with pytest.raises(UserInputError, match=f"mix_len {2 * L + 1} is longer than two inputs.*"
                                             f"at most {2 * L}"):
        det.fit(model, clean, generator=torch.Generator().manual_seed(0))
    assert model.widths == [] and det.model is None  # refused before any forward pass
    ok = registry.create("input-detector", "strip-text", n=4, mix_len=2 * L)
    ok.fit(model, clean, generator=torch.Generator().manual_seed(0))
    assert ok.score(clean[:2]).shape == (2,)


class Positions(nn.Module):
    """A module with a learned position table (RoBERTa-style when ``padding_idx`` is set)."""

    def __init__(self, rows: int, padding_idx: int | None) -> None:
        super().__init__()
        self.position_embeddings = nn.Embedding(rows, 4, padding_idx=padding_idx)


def test_position_limit() -> None:
    from trojanscope.models.textcnn import TextCNN

    assert position_limit(TextCNN(vocab_size=10)) is None
    assert position_limit(nn.Sequential(Positions(512, None))) == 512
    assert position_limit(Positions(514, 1)) == 512  # RoBERTa: rows 0..1 are not positions


@pytest.mark.skipif(importlib.util.find_spec("transformers") is None,
                    reason="needs the text extra (transformers)")
def test_mix_len_longer_than_the_model_accepts_is_refused(tmp_path) -> None:
    from trojanscope.models.minilm import MiniLM
    from trojanscope.testing.tiny_hf import write_tiny_bert

    torch.set_num_threads(1)
    folder = write_tiny_bert(tmp_path / "tiny", ["good", "bad", "movie", "fine"])  # 128 positions
    model = MiniLM(num_classes=2, model_dir=str(folder), max_len=80)
    clean = torch.randint(5, 9, (12, 80), generator=torch.Generator().manual_seed(0))
    det = registry.create("input-detector", "strip-text", n=2, mix_len=129)
    with pytest.raises(UserInputError, match=r"mix_len 129 is longer than the model accepts "
                                             r"\(128 tokens.*at most 128"):
        det.fit(model, clean, generator=torch.Generator().manual_seed(0))
    det = registry.create("input-detector", "strip-text", n=2, mix_len=128)
    det.fit(model, clean, generator=torch.Generator().manual_seed(0))
    assert det.score(clean[:2]).shape == (2,)
