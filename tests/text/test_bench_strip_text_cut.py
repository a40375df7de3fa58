"""``benchmarks/strip_text_cut.py`` (issue 15, stop 47): the share of a mixture the cut keeps,
on hand-made lengths (no model)."""

from __future__ import annotations

import torch


def test_cut_figures_on_hand_made_lengths(load_benchmark) -> None:
    mod = load_benchmark("strip_text_cut")
    lengths = torch.tensor([10, 30])
    out = mod.cut_figures(lengths, lengths, 40, trigger_at=torch.tensor([5, 25]))
    # pairs (10,10) (10,30) (30,10) (30,30): only the last is longer than 40
    assert out["pairs_cut"] == 0.25
    # partner kept, input first: 1, 1, 1, 10/30
    assert abs(out["partner_kept_input_first"] - (3 + 1 / 3) / 4) < 1e-6
    # input kept, input last: 1, 1 (30 of 10 left -> 1), 1, 10/30
    assert abs(out["input_kept_input_last"] - (3 + 1 / 3) / 4) < 1e-6
    # trigger at 5 survives behind 10 and 30 (35 < 40); at 25 behind 10 only
    assert out["trigger_kept_input_last"] == 0.75


def test_first_change_finds_the_insertion(load_benchmark) -> None:
    mod = load_benchmark("strip_text_cut")
    clean = torch.tensor([[1, 5, 6, 7, 2], [1, 5, 6, 2, 0]])
    trig = torch.tensor([[1, 5, 9, 6, 7], [1, 5, 6, 2, 0]])
    assert mod.first_change(clean, trig).tolist() == [2, 5]
