"""``benchmarks/strip_text_keep_report.py`` (issue 15, stop 49): the simulated strip-text
scores on a hand-made keep matrix (no model)."""

from __future__ import annotations

import torch


def test_scores_keep_and_ratio_and_ranks(load_benchmark) -> None:
    mod = load_benchmark("strip_text_keep_report")
    # 2 inputs, 2 partners, (input first, input last)
    keep = torch.tensor([[[0.2, 0.4], [0.6, 0.8]], [[0.9, 0.1], [0.5, 0.3]]])
    pred = torch.tensor([0, 1])
    draw = [torch.tensor([0, 1]), torch.tensor([1, 0])]
    conf = torch.tensor([0.5, 0.8])
    mod.SCORE = "keep"
    # input 0: partner 0 first (0.2), partner 1 last (0.8); input 1: partner 1 first (0.5),
    # partner 0 last (0.1)
    got = mod.scores(keep, pred, draw, conf)
    assert torch.allclose(got, torch.tensor([0.5, 0.3], dtype=torch.float64))
    mod.SCORE = "ratio"
    got = mod.scores(keep, pred, draw, conf)
    assert torch.allclose(got, torch.tensor([1.0, 0.375], dtype=torch.float64))
    mod.SCORE = "keep"
    ref = [torch.tensor([0.1, 0.3, 0.5]), torch.tensor([0.2, 0.4])]
    r = mod.ranks(torch.tensor([0.3, 0.9]), pred, ref)
    assert torch.allclose(r, torch.tensor([1.5 / 3, 1.0]))
