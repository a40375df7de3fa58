"""Issue 9, stop 75 (h9m): the cheap mask gate on data-free flags
(``benchmarks/mask_gate_s75_h9m.py``): searching only some classes gives those classes' values
unchanged, the references are the lowest-margin classes, the gate only lowers a flag at or under
its kind's line, and bad input is one line, exit 2."""

from __future__ import annotations

import torch
from test_data_free_signal_s75 import _shortcut_model

from script_run import run_script


def _inputs() -> tuple[torch.Tensor, torch.Tensor]:
    X = torch.zeros(4, 3, 1, 8, 8)  # each class's own maximising inputs (see _shortcut_model)
    for c in (1, 2, 3):
        X[c, :, 0].view(3, -1)[:, c * 16:(c + 1) * 16] = 1.0
    X[0, :, 0, 0, 0] = 1.0
    return X, torch.tensor([[5.0, 4, 3], [1, 0, 0], [9, 8, 7], [2, 1, 1]])


def test_a_subset_search_keeps_each_class_value_and_the_one_pixel_class_stands_out() -> None:
    from data_free_signal_s75_h9f import mask_search
    from mask_gate_s75_h9m import gate_stand, references

    model = _shortcut_model()
    for p in model.parameters():
        p.requires_grad_(False)
    X, M = _inputs()
    full, _ = mask_search(model, X, M, steps=30, lam=0.1, hosts_per_class=1)
    some, _ = mask_search(model, X, M, steps=30, lam=0.1, hosts_per_class=1, classes=[0, 3])
    assert some == [full[0], full[3]]
    assert references(M, top=0, n=2) == [1, 3]  # the lowest best margins, the named left out
    stand, refs, l1 = gate_stand(model, X, M, top=0, steps=80, n_ref=2, lam=0.1)
    assert refs == [1, 3] and l1[0] == min(l1) and stand > 0.5


def test_the_gate_only_lowers_a_flag_at_or_under_its_kind_line() -> None:
    from mask_gate_s75_h9m import LOWERED, kind_of, lowered

    lines = {"cnn": 0.33, "dense": 0.43}
    assert kind_of((784,)) == "dense" and kind_of((1, 28, 28)) == "cnn"
    assert lowered(0.9, 0.3, "cnn", lines) == LOWERED
    assert lowered(0.9, 0.4, "cnn", lines) == 0.9  # above the CNN line
    assert lowered(0.9, 0.4, "dense", lines) == LOWERED
    assert lowered(0.2, 0.0, "dense", lines) == 0.2  # not a flag: never raised
    assert lowered(0.9, None, "cnn", lines) == 0.9  # no search ran


def test_bad_input_is_one_line_and_exit_2(tmp_path) -> None:
    missing = run_script("mask_gate_s75_h9m.py", "read", str(tmp_path / "none.jsonl"))
    assert missing.returncode == 2 and "error" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1
    rows = tmp_path / "rows.jsonl"
    rows.write_text("{}\n")
    no_inputs = run_script("mask_gate_s75_h9m.py", "dev", str(rows))
    assert no_inputs.returncode == 2 and "--inputs" in no_inputs.stderr
    assert "Traceback" not in no_inputs.stderr + missing.stderr
