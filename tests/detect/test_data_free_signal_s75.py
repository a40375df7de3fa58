"""Issue 9, stop 75 (h9f): the data-free mask search on MM-BD's maximising inputs
(``benchmarks/data_free_signal_s75_h9f.py``): a class reached through one pixel needs a far
smaller mask than the others, and the parting table says whether a line keeps every backdoor."""

from __future__ import annotations

import json

import torch
from torch import nn

from script_run import run_script


def _shortcut_model() -> nn.Module:
    """Four classes on 8x8 images: class 0 is reached through pixel (0, 0) alone, class c
    (1-3) through its own block of 16 pixels."""
    lin = nn.Linear(64, 4)
    with torch.no_grad():
        lin.weight.zero_()
        lin.bias.zero_()
        for c in (1, 2, 3):
            lin.weight[c, c * 16:(c + 1) * 16] = 1.0
        lin.weight[0, 0], lin.bias[0] = 40.0, -20.0
    return nn.Sequential(nn.Flatten(), lin).eval()


def test_a_one_pixel_class_needs_the_smallest_mask() -> None:
    from data_free_signal_s75_h9f import mask_search

    model = _shortcut_model()
    for p in model.parameters():
        p.requires_grad_(False)
    X = torch.zeros(4, 3, 1, 8, 8)  # (classes, starts, 1, 8, 8): each class's own inputs
    for c in (1, 2, 3):
        X[c, :, 0].view(3, -1)[:, c * 16:(c + 1) * 16] = 1.0
    X[0, :, 0, 0, 0] = 1.0
    assert model(X.reshape(12, 1, 8, 8)).argmax(1).tolist() == [0] * 3 + [1] * 3 + [2] * 3 + [3] * 3
    M = torch.rand(4, 3, generator=torch.Generator().manual_seed(0))
    l1, hit = mask_search(model, X, M, steps=80, lam=0.1)
    assert hit == [1.0] * 4
    assert l1[0] == min(l1) and l1[0] < 0.6 * sorted(l1)[1]


def test_part_says_where_a_line_keeps_every_backdoor() -> None:
    from data_free_signal_s75_h9f import part

    rows = [{"name": "1/skl-clean", "fam": "skl-clean", "bd": False, "stand": 0.4},
            {"name": "1/skl-bd", "fam": "skl-patch", "bd": True, "stand": 0.6},
            {"name": "clean-1", "fam": "clean", "bd": False, "stand": 0.7},
            {"name": "patch-1", "fam": "patch", "bd": True, "stand": 0.5}]
    got = {g["group"]: g for g in part(rows, "stand")}
    assert got["skl MLP"]["parted"] and not got["CNN"]["parted"]
    assert not got["all"]["parted"] and got["all"]["backdoors_at_or_under_clean_max"] == 2


def test_bad_input_is_one_line_and_exit_2(tmp_path) -> None:
    missing = run_script("data_free_signal_s75_h9f.py", "mask", str(tmp_path / "none.jsonl"))
    assert missing.returncode == 2 and "error" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1
    rows = tmp_path / "rows.jsonl"
    rows.write_text(json.dumps({"name": "x", "bd": False, "stand": 0.1}) + "\n")
    no_inputs = run_script("data_free_signal_s75_h9f.py", "mask", str(rows))
    assert no_inputs.returncode == 2 and "--inputs" in no_inputs.stderr
    assert "Traceback" not in no_inputs.stderr + missing.stderr
