"""Stop 44's rule script for ``occlusion=auto`` (issue 14): it reprints the committed decision
from the committed outputs, ships a candidate that gains where today's default is short, and
condition 6 refuses one that raises a model's guard FPR by more than 0.005 (no model trained:
the committed per-model JSON, edited in a temporary copy)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from script_run import run_script

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "benchmarks" / "data" / "inputs_s44"


def rule(out: Path) -> str:
    return run_script("inputs_rule_stop44.py", str(out), check=True).stdout


def edit(out: Path, name: str, method: str, **values: float) -> None:
    path = out / f"inputs_s44_{name}.json"
    rows = json.loads(path.read_text())
    for r in rows:
        if r.get("requested") == method:
            r.update(values)
    path.write_text(json.dumps(rows))


def test_the_committed_outputs_reprint_the_committed_decision() -> None:
    assert rule(DATA / "fresh") == (DATA / "rule_s44.txt").read_text()


def test_a_gain_ships_and_a_guard_fpr_rise_over_0005_does_not(tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(DATA / "fresh", out)
    # today short on one crossed patch, the candidate at the goal there with one more pass
    edit(out, "s44_relu_cnn-01", "mahalanobis", tpr_at_fpr=0.94)
    edit(out, "s44_relu_cnn-01", "mahalanobis:occlusion=auto", tpr_at_fpr=0.96,
         forward_passes_per_input=4)
    text = rule(out)
    assert "condition 2 where it is for: one more model at the goal in all (+1)" in text
    assert "added the column (passes differ): ['s44_relu_cnn-01']" in text
    assert text.rstrip().endswith("default: True")
    edit(out, "s44_relu_cnn-01", "mahalanobis:occlusion=auto", guard_fpr=0.008)  # +0.006
    text = rule(out)
    assert "condition 6 no model's guard FPR more than 0.005 above today's " \
           "(['s44_relu_cnn-01 0.002 -> 0.008']): NOT met" in text
    assert text.rstrip().endswith("default: False")
