"""``strip-text``'s ``least_share`` default (issue 15, stop 66: its no-harm rule met on fresh
MiniLM 3207-3208): ``None`` resolves to 0.2 where ``occlude`` resolves to the transformer default
with ``calibrate="own"``, to 0 elsewhere (TextCNN, another span rule, ``calibrate="folds"``);
``least_share=0`` gives the stop-59 path exactly."""

from __future__ import annotations

import torch

from trojanscope.detect.input_level.base import fit_guard
from trojanscope.detect.input_level.strip_text import LEAST_SHARE

from .test_span_text import Trigger, rows
from .test_strip_text_transformer_default import Posed, fitted


def test_a_transformer_gets_the_second_threshold_and_others_stay_off() -> None:
    auto = fitted(Posed())
    assert auto.get_params()["least_share"] is None
    assert auto.resolved_params()["least_share"] == LEAST_SHARE == 0.2
    assert auto.fit_depth_ is not None
    for other in (fitted(Trigger()), fitted(Posed(), occlude_rule="beyond"),
                  fitted(Posed(), calibrate="folds"), fitted(Posed(), least_share=0)):
        assert other.resolved_params()["least_share"] == 0.0 and other.fit_depth_ is None


def test_least_share_0_is_the_stop_59_path_and_the_default_differs_only_by_its_budget() -> None:
    new = torch.cat([rows(10, 6), rows(4, 7, trigger=True)])
    fit = rows(40, 4)
    gen = torch.Generator
    with torch.no_grad():
        auto, off = fitted(Posed()), fitted(Posed(), least_share=0)
        assert torch.equal(auto.score(new), off.score(new))  # no guard yet: both the ranks
        g_auto = fit_guard(Posed(), auto, fit, fpr=0.2, generator=gen().manual_seed(0))
        g_off = fit_guard(Posed(), off, fit, fpr=0.2, generator=gen().manual_seed(0))
    assert auto.depth_bar_ is not None and off.depth_bar_ is None
    assert g_auto.threshold >= g_off.threshold  # 0.8 of the budget: a bar no lower
