"""``span-text`` (issue 15, stop 56): remove each window of ``width`` tokens (one every
``stride``) and read how much of the predicted class the model keeps; a trigger the prediction
hangs on scores high, a sentence carried by several words low. Special tokens are never
removed, the windows read per input are bounded, the guard sets its threshold on its own clean
scores, and bad values are refused in one line."""

from __future__ import annotations

import pytest
import torch
from torch import Tensor, nn

from trojanscope import registry
from trojanscope.detect.input_level.base import fit_guard, pac_threshold
from trojanscope.detect.input_level.span_occlusion import least_keeps, spans_of
from trojanscope.errors import UserInputError

PAD, CLS, SEP, TRIG = 0, 101, 102, 7


class Trigger(nn.Module):
    """Class-1 logit: +8 when token TRIG is present, else the mean of (id − 50) / 10 over the
    other real tokens, so a clean row's class is spread over its words."""

    pad_id = PAD

    def special_ids(self) -> list[int]:
        return [PAD, CLS, SEP]

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[Tensor] = []

    def forward(self, ids: Tensor) -> Tensor:
        self.calls.append(ids.clone())
        real = (ids != PAD) & (ids != CLS) & (ids != SEP)
        w = torch.where(real, (ids.float() - 50.0) / 10.0, 0.0).sum(1) / real.sum(1).clamp_min(1)
        w = torch.where((ids == TRIG).any(1), torch.full_like(w, 8.0), w)
        return torch.stack([-w, w], 1)


def rows(n: int, seed: int, trigger: bool = False, length: int = 10) -> Tensor:
    """``n`` rows: [CLS], words in 20..89, [SEP], padding to ``length + 4``; with ``trigger``
    words in 20..49 (class 0 without it, as the triggered inputs of a benchmark: stamped on
    sentences of another class than the target) and TRIG inserted."""
    gen = torch.Generator().manual_seed(seed)
    out = torch.full((n, length + 4), PAD)
    out[:, 0] = CLS
    out[:, 1:length + 1] = torch.randint(20, 50 if trigger else 90, (n, length), generator=gen)
    out[:, length + 1] = SEP
    if trigger:
        out[:, 1 + length // 2] = TRIG
    return out


def test_windows_skip_special_tokens_cover_every_word_and_stop_at_the_bound() -> None:
    row = [CLS, 30, 40, 50, SEP, 60, 70]
    special = {CLS, SEP, PAD}
    assert spans_of(row, 1, 1, special, 100) == [(1, 1), (2, 1), (3, 1), (5, 1), (6, 1)]
    assert spans_of(row, 2, 2, special, 100) == [(1, 2), (3, 1), (5, 2)]
    assert spans_of(row, 2, 1, special, 100) == [(1, 2), (2, 2), (5, 2)]
    assert spans_of(row, 2, 2, special, 2) == [(1, 2), (3, 1)]


def test_the_least_keep_is_the_model_on_the_row_without_its_worst_window() -> None:
    model = Trigger()
    x = rows(3, 0, trigger=True)
    pred = model(x).argmax(1)
    least = least_keeps(model, x, pred, 2, 2, 100, PAD, {PAD, CLS, SEP})
    for i in range(3):
        row = [t for t in x[i].tolist() if t != PAD]
        cuts = [row[:s] + row[s + 2:] for s in range(1, len(row) - 1, 2)]
        want = [model(torch.tensor([c])).softmax(1)[0, int(pred[i])] for c in cuts]
        assert least[i] == pytest.approx(float(min(want)), abs=1e-6)


def test_a_triggered_row_scores_above_every_clean_row() -> None:
    det = registry.create("input-detector", "span-text")
    det.fit(Trigger(), rows(30, 1), generator=torch.Generator().manual_seed(0))
    clean, trig = det.score(rows(40, 2)), det.score(rows(40, 3, trigger=True))
    assert float(trig.min()) > float(clean.max())


def test_the_spans_read_per_input_are_bounded() -> None:
    model = Trigger()
    det = registry.create("input-detector", "span-text", width=1, stride=1, max_spans=5)
    det.fit(model, rows(12, 1), generator=torch.Generator().manual_seed(0))
    model.calls.clear()
    det.score(rows(4, 2))
    assert sum(len(c) for c in model.calls) == 4 * (1 + 5)  # own pass + five spans each
    assert det.forward_passes_per_input == 6


def test_the_passes_said_per_input_are_no_more_than_the_inputs_tokens() -> None:
    """``max_spans`` past an input's tokens reads every window, and says so (first contact, stop
    57: ``max_spans=1e12`` printed 1,000,000,000,001 forward passes per input)."""
    model = Trigger()
    det = registry.create("input-detector", "span-text", width=1, stride=1, max_spans=10**12)
    det.fit(model, rows(12, 1), generator=torch.Generator().manual_seed(0))
    model.calls.clear()
    det.score(rows(4, 2))  # 14 tokens a row, 10 of them words: 10 windows each
    assert sum(len(c) for c in model.calls) == 4 * (1 + 10)
    assert det.forward_passes_per_input == 1 + 14


def test_the_guard_sets_its_threshold_on_its_own_clean_scores() -> None:
    det = registry.create("input-detector", "span-text")
    clean = rows(60, 4)
    guard = fit_guard(Trigger(), det, clean, fpr=0.05, generator=torch.Generator().manual_seed(0))
    assert guard.copies == [] and det.own_calibration()
    assert guard.threshold == pac_threshold(det.score(clean).double(), 0.05, 0.95)


@pytest.mark.parametrize("param", [{"width": 0}, {"width": 9}, {"width": 1.5},
                                   {"stride": 3}, {"stride": 0},
                                   {"max_spans": 0}, {"measure": "max"},
                                   {"fpr_confidence": 1.0}])
def test_bad_values_are_refused_in_one_line(param: dict) -> None:
    with pytest.raises(UserInputError) as err:
        registry.create("input-detector", "span-text", **param)
    assert "\n" not in str(err.value) and next(iter(param)) in str(err.value)
