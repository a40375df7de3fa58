"""Issue 9, stop 76 (h9m): the mask gate's bounded lowering and its long search with an early
exit (``benchmarks/mask_gate_s76_h9m.py``): a search stopped at a check gives the shorter
search's values, the gate stops once the named class stands over the line, the lowering is a
fixed number of logits (a strong flag stays a flag, nothing is raised), only flags the shift can
take under 0.5 are searched, and bad input is one line, exit 2."""

from __future__ import annotations

import pytest
from test_data_free_signal_s75 import _shortcut_model
from test_mask_gate_s75 import _inputs

from script_run import run_script


def _frozen():
    model = _shortcut_model()
    for p in model.parameters():
        p.requires_grad_(False)
    return model


def test_a_search_stopped_at_a_check_gives_the_shorter_search_values() -> None:
    from data_free_signal_s75_h9f import CHECK, mask_search

    X, M = _inputs()
    short, _ = mask_search(_frozen(), X, M, steps=CHECK, lam=0.1, hosts_per_class=1)
    seen = []
    stopped, _ = mask_search(_frozen(), X, M, steps=5 * CHECK, lam=0.1, hosts_per_class=1,
                             stop_when=lambda step, l1: seen.append(step) or True)
    assert seen == [CHECK] and stopped == short
    longer, _ = mask_search(_frozen(), X, M, steps=5 * CHECK, lam=0.1, hosts_per_class=1)
    assert longer != short  # it did run on where nothing stops it


def test_the_gate_stops_once_the_named_class_stands_over_the_line() -> None:
    from mask_gate_s76_h9m import gate

    X, M = _inputs()
    low = {"cnn": -5.0, "dense": -5.0}  # any stand is over it: the first check ends the search
    stand, ran = gate(_frozen(), X, M, top=0, kind="cnn", steps={"cnn": 200, "dense": 200},
                      lines=low)
    assert ran == 20 and stand > -5.0
    high = {"cnn": 50.0, "dense": 50.0}  # never over it: the whole search runs
    full, ran = gate(_frozen(), X, M, top=0, kind="cnn", steps={"cnn": 400, "dense": 400},
                     lines=high)
    assert ran == 400 and full > 0.5  # the one-pixel class needs the smallest mask


def test_the_lowering_is_bounded_and_never_raises() -> None:
    from mask_gate_s76_h9m import SHIFT, bounded, searched
    from trojanscope.detect.logits import logit, sigmoid

    lines = {"cnn": 0.33, "dense": 0.43}
    low = bounded(0.9, 0.3, "cnn", SHIFT, lines)
    assert low < 0.5 and logit(low) == pytest.approx(logit(0.9) - SHIFT)
    assert bounded(0.997, 0.3, "cnn", SHIFT, lines) >= 0.5  # a strong flag stays a flag
    assert bounded(0.9, 0.4, "cnn", SHIFT, lines) == 0.9  # over the CNN line
    assert bounded(0.2, 0.0, "dense", SHIFT, lines) == 0.2  # not a flag: never raised
    assert bounded(0.9, None, "dense", SHIFT, lines) == 0.9  # no search ran
    assert searched(0.9, True) and not searched(0.9, False) and not searched(0.4, True)
    assert not searched(sigmoid(SHIFT) + 1e-4, True)  # no search could change that verdict


def test_bad_input_is_one_line_and_exit_2(tmp_path) -> None:
    missing = run_script("mask_gate_s76_h9m.py", "read", str(tmp_path / "none.jsonl"))
    assert missing.returncode == 2 and "error" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1
    rows = tmp_path / "rows.jsonl"
    rows.write_text("{}\n")
    no_inputs = run_script("mask_gate_s76_h9m.py", "sweep", str(rows))
    assert no_inputs.returncode == 2 and "--inputs" in no_inputs.stderr
    shifts = run_script("mask_gate_s76_h9m.py", "union", "--shifts", "a,b")
    assert shifts.returncode == 2 and "--shifts" in shifts.stderr
    assert "Traceback" not in no_inputs.stderr + missing.stderr + shifts.stderr
