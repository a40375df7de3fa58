"""``strip-text``'s ``occlude_rule="lost"`` (issue 15, stop 59, opt-in): the mixture score ranked
among the fit inputs' scores of its group only — those the model no longer predicts as their
class without their worst window, and those it still does — and the window that decides it."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from trojanscope import registry
from trojanscope.detect.input_level.base import fit_guard, pac_threshold
from trojanscope.detect.input_level.span_occlusion import least_keeps, worst_window
from trojanscope.detect.input_level.strip_text import StripText

from .test_span_text import CLS, PAD, SEP, Trigger, rows

LOST = {"occlude": 3, "occlude_stride": 1, "occlude_rule": "lost"}
SPECIAL = {PAD, CLS, SEP}


def fitted(fit: Tensor, **params) -> StripText:
    torch.set_num_threads(1)
    det = registry.create("input-detector", "strip-text", n=4, **params)
    det.fit(Trigger(), fit, generator=torch.Generator().manual_seed(0))
    return det


def group_rank(ref: Tensor, ref_lost: Tensor, x: Tensor, x_lost: Tensor) -> Tensor:
    out = torch.zeros(len(x))
    for g in (False, True):
        mine = ref[ref_lost == g].sort().values
        out[x_lost == g] = torch.searchsorted(mine, x[x_lost == g].contiguous(),
                                              side="left").float() / len(mine)
    return out


def test_the_score_is_the_mixture_scores_rank_within_its_group() -> None:
    fit, new = rows(60, 4), torch.cat([rows(20, 6), rows(6, 7, trigger=True)])
    plain, det = fitted(fit), fitted(fit, **LOST)
    assert plain.partners_ == det.partners_  # the same draw
    model = Trigger()
    with torch.no_grad():
        lost_fit = worst_window(model, fit, model(fit).argmax(1), 3, 1, 64, PAD, SPECIAL)[1]
        lost_new = worst_window(model, new, model(new).argmax(1), 3, 1, 64, PAD, SPECIAL)[1]
        want = group_rank(plain.score(fit), lost_fit, plain.score(new), lost_new)
        assert 0 < int(lost_fit.sum()) < len(fit)  # both groups hold clean inputs
        assert bool(lost_new[20:].all())  # a triggered row loses its class with TRIG's window
        assert torch.allclose(det.score(new), want)
        guard = fit_guard(model, det, fit, fpr=0.05, generator=torch.Generator().manual_seed(0))
    own = group_rank(plain.score(fit), lost_fit, plain.score(fit), lost_fit)
    assert guard.threshold == pac_threshold(own, 0.05, 0.95)
    assert bool((det.score(new)[20:] > guard.threshold).all())


class Three(nn.Module):
    """Three classes: logits (2, 1.6, 0) → class 0 at 0.53; without token 9, (1.5, 1.2, 1.1):
    class 0 still predicted, at 0.41 — below 1/2, yet not lost."""

    pad_id = PAD

    def special_ids(self) -> list[int]:
        return [PAD, CLS, SEP]

    def forward(self, ids: Tensor) -> Tensor:
        has = (ids == 9).any(1, keepdim=True)
        return torch.where(has, torch.tensor([2.0, 1.6, 0.0]), torch.tensor([1.5, 1.2, 1.1]))


def test_lost_means_another_class_predicted_without_the_worst_window() -> None:
    x = torch.tensor([[CLS, 9, 20, 21, SEP, PAD], [CLS, 20, 21, 22, SEP, PAD]])
    model, pred = Three(), torch.zeros(2, dtype=torch.long)
    least, lost = worst_window(model, x, pred, 1, 1, 64, PAD, SPECIAL)
    assert torch.allclose(least, least_keeps(model, x, pred, 1, 1, 64, PAD, SPECIAL))
    assert float(least[0]) < 0.5 and not bool(lost.any())
    least, lost = worst_window(Trigger(), rows(4, 3, trigger=True), torch.ones(4, dtype=torch.long),
                               3, 1, 64, PAD, SPECIAL)
    assert bool(lost.all()) and bool((least < 0.5).all())
    none = torch.tensor([[CLS, SEP, PAD]])  # no window: nothing to lose
    assert worst_window(model, none, pred[:1], 1, 1, 64, PAD, SPECIAL)[1].tolist() == [False]


def test_a_group_no_fit_input_falls_in_is_ranked_among_all_and_noted() -> None:
    gen = torch.Generator().manual_seed(5)
    sure = torch.full((30, 14), PAD)
    sure[:, 0], sure[:, 11] = CLS, SEP
    sure[:, 1:11] = torch.randint(80, 90, (30, 10), generator=gen)  # class 1, never lost
    sure[:15, 1:11] = torch.randint(20, 30, (15, 10), generator=gen)  # class 0, never lost
    det = fitted(sure, **LOST)
    assert any("loses its class" in note for note in det.notes_)
    plain = fitted(sure)
    trig = rows(5, 7, trigger=True)
    with torch.no_grad():
        ref = plain.score(sure).sort().values
        want = torch.searchsorted(ref, plain.score(trig).contiguous(), side="left").float()
        assert torch.allclose(det.score(trig), want / len(ref))


def test_forward_passes_reuse_the_inputs_own_pass() -> None:
    fit = rows(30, 4)
    lost, beyond = fitted(fit, **LOST), fitted(fit, **{**LOST, "occlude_rule": "beyond"})
    assert lost.forward_passes_per_input == beyond.forward_passes_per_input - 1
    assert lost.forward_passes_per_input == 4 + 1 + fit.shape[1]
