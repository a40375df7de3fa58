"""``strip-text``'s ``occlude_rule="deep"`` (issue 15, stop 63, opt-in): ``"lost"`` with the mixture
score raised by ``DEEP_WEIGHT`` times ``-log10`` of the least the input keeps of its class without
its worst window, before it is ranked in its group."""

from __future__ import annotations

import torch

from trojanscope.detect.input_level.base import fit_guard, pac_threshold
from trojanscope.detect.input_level.span_occlusion import worst_window
from trojanscope.detect.input_level.strip_text import DEEP_WEIGHT

from .test_span_text import PAD, Trigger, rows
from .test_strip_text_lost import LOST, SPECIAL, fitted, group_rank

DEEP = {**LOST, "occlude_rule": "deep"}


def test_the_score_is_the_raised_mixture_scores_rank_within_its_group() -> None:
    fit, new = rows(60, 4), torch.cat([rows(20, 6), rows(6, 7, trigger=True)])
    plain, det = fitted(fit), fitted(fit, **DEEP)
    assert plain.partners_ == det.partners_  # the same draw
    model = Trigger()
    with torch.no_grad():
        least_fit, lost_fit = worst_window(model, fit, model(fit).argmax(1), 3, 1, 64, PAD,
                                           SPECIAL)
        least_new, lost_new = worst_window(model, new, model(new).argmax(1), 3, 1, 64, PAD,
                                           SPECIAL)
        raised_fit = plain.score(fit) - DEEP_WEIGHT * torch.log10(least_fit)
        raised_new = plain.score(new) - DEEP_WEIGHT * torch.log10(least_new)
        want = group_rank(raised_fit, lost_fit, raised_new, lost_new)
        assert torch.allclose(det.score(new), want)
        # the raise changes the order within a group: not "lost"'s ranks
        assert not torch.allclose(want, group_rank(plain.score(fit), lost_fit,
                                                   plain.score(new), lost_new))
        guard = fit_guard(model, det, fit, fpr=0.05, generator=torch.Generator().manual_seed(0))
    own = group_rank(raised_fit, lost_fit, raised_fit, lost_fit)
    assert guard.threshold == pac_threshold(own, 0.05, 0.95)
    assert bool((det.score(new)[20:] > guard.threshold).all())


def test_deep_reads_what_lost_reads() -> None:
    fit = rows(30, 4)
    lost, deep = fitted(fit, **LOST), fitted(fit, **DEEP)
    assert deep.forward_passes_per_input == lost.forward_passes_per_input
    assert deep.resolved_params()["occlude_rule"] == "deep"
    assert [len(g) for g in deep.groups_] == [len(g) for g in lost.groups_]
