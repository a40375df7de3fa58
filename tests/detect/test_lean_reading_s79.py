"""Issue 9, stop 79 (h9c): the readings beside the mask stand (``benchmarks/
lean_reading_s79_h9c.py``): the gate's search hands back its masks with the L1s it always gave,
a gathered mask reads gathered, the table's cut clears only below the least backdoor and is
replayed leave-one-seed-block-out, and bad input is one line, exit 2."""

from __future__ import annotations

import json

import pytest
import torch
from test_data_free_signal_s75 import _shortcut_model
from test_mask_gate_s75 import _inputs

from script_run import run_script

FITTED = {"steps": {"cnn": 150, "dense": 150}, "refs": 2, "lam": 0.1, "lr": 0.1}


def _frozen():
    model = _shortcut_model()
    for p in model.parameters():
        p.requires_grad_(False)
    return model


def test_the_search_hands_back_masks_whose_sums_are_its_l1s() -> None:
    from trojanscope.detect.mask_gate import fit_masks, search_masks

    model = _frozen()
    X, M = _inputs()
    l1, hit = search_masks(model, X, M, 40, 0.1, classes=[0, 3])
    masks, patterns, hit2 = fit_masks(model, X, M, 40, 0.1, classes=[0, 3])
    assert masks.shape == (2, 1, 8, 8) and patterns.shape == (2, 1, 8, 8)
    assert float(masks.min()) >= 0.0 and float(masks.max()) <= 1.0
    assert [float(v) for v in masks.reshape(2, -1).sum(1)] == l1 and hit2 == hit


def test_a_window_share_reads_a_patch_as_one_place_and_a_flat_mask_as_spread() -> None:
    from lean_reading_s79_h9c import window_share

    patch, flat = torch.zeros(1, 1, 8, 8), torch.full((1, 1, 8, 8), 0.5)
    patch[0, 0, 4:8, 4:8] = 1.0
    assert window_share(torch.cat([patch, flat])) == pytest.approx([1.0, 25 / 64])


def test_the_readings_of_a_one_pixel_class_and_spread_is_never_under_compact() -> None:
    from lean_reading_s79_h9c import readings

    out = readings(_frozen(), *_inputs(), 0, FITTED)
    assert out["order"] == [0, 1, 3] and out["stand"] > 1.5  # the one-pixel class's mask
    assert out["l1_1"] == out["l1_2"]  # each class's 3 starts alike: the second host agrees
    assert out["share"] == [1.0, 1.0, 1.0] and out["src_min"] == 1.0  # every start moves
    assert out["spread"] >= out["compact"]  # the named class is among spread's classes


def _row(name: str, bd: bool, value: float) -> dict:
    read = {k: value for k in ("stand", "transfer", "src_min", "compact", "stand2",
                               "stand2_gap", "spread")}
    return {"name": name, "backdoored": bd, "target": 2 if bd else None,
            "pre_gate": [0.9, 2], "today": [0.9, 2], "read": read}


def test_the_cut_clears_only_under_the_least_backdoor_and_is_replayed_by_block(tmp_path
                                                                                ) -> None:
    from lean_reading_s79_h9c import table

    rows = [_row("a/clean-11", False, 0.1), _row("a/clean-21", False, 0.3),
            _row("a/patch-12", True, 0.2), _row("a/patch-22", True, 0.5)]
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    got = table([path])["parting"]["compact"]
    assert (got["cut"], got["cleared"], got["lost"]) == (0.1, 1, 0)
    # without block 1 (seeds 11-12) the cut is 0.3: it clears clean-11 and lowers patch-12;
    # without block 2 it is 0.1: clean-21 (0.3) stays
    assert got["loso"] == {"cleared": 1, "lost": 1}


def test_bad_input_is_one_line_and_exit_2(tmp_path) -> None:
    done = run_script("lean_reading_s79_h9c.py", "table", tmp_path / "missing.jsonl")
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr
