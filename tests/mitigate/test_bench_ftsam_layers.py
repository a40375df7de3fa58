"""benchmarks/bench_ftsam_layers.py: per-layer swaps between an original and a purified model."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn


def two_layers() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Flatten(), nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))


def test_layers_are_the_modules_with_own_weights(load_benchmark):
    script = load_benchmark("bench_ftsam_layers")
    assert script.weighted_layers(two_layers()) == ["1", "3"]


def test_swaps_and_moved_read_the_right_layer(load_benchmark):
    script = load_benchmark("bench_ftsam_layers")
    original = two_layers()
    purified = copy.deepcopy(original)
    with torch.no_grad():
        purified[3].weight.mul_(2.0)  # only the last layer moves
    assert script.moved(original, purified, "1") == 0.0
    last = purified[3]
    w, b = original[3].weight.detach().flatten(), original[3].bias.detach()
    want = float(torch.cat([w, torch.zeros(2)]).norm() / torch.cat([w, b]).norm())
    assert abs(script.moved(original, purified, "3") - round(want, 4)) < 1e-4
    back = script.swapped(purified, original, "3")
    assert torch.equal(back[3].weight, original[3].weight)
    assert torch.equal(last.weight, 2.0 * original[3].weight)  # the donor's copy, not a view
    only = script.swapped(original, purified, "3")
    assert torch.equal(only[3].weight, purified[3].weight)
    assert torch.equal(only[1].weight, original[1].weight)


def test_layer_rows_score_each_swap(load_benchmark):
    script = load_benchmark("bench_ftsam_layers")
    original = two_layers()
    purified = copy.deepcopy(original)
    with torch.no_grad():
        purified[1].bias.add_(1.0)
    seen = []

    def score(model):
        seen.append(float(model[1].bias.detach().sum()))
        return {"ca": 0.0}

    rows = script.layer_rows(original, purified, score)
    assert set(rows) == {"1", "3"} and rows["3"]["moved"] == 0.0 and rows["1"]["moved"] > 0
    base = float(original[1].bias.detach().sum())
    # layer 1: reverted (original bias), then only (purified bias); layer 3: both purified/orig
    assert seen == pytest.approx([base, base + 3.0, base + 3.0, base])
