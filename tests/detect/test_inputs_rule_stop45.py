"""Stop 45's rule script for ``occlusion=true`` (issue 14): on a made-up population in the
committed file names (no model trained) a candidate that lifts the crossed patch ships, and the
same candidate fails condition 3 when one model loses more than 0.01 TPR and condition 6 when one
model's guard FPR rises by more than 0.005; the tanh-MLP crossed-patch rows are reported apart."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from script_run import run_script

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
import inputs_rule_stop45 as r45  # noqa: E402

CAND = "mahalanobis:occlusion=true"


def row(label: str, key: str, trigger: str, tpr: float, fpr: float = 0.004) -> dict:
    return {key: label, "trigger": trigger, "roc_auc": 0.999, "tpr_at_fpr": tpr,
            "guard_fpr": fpr, "positives": 400, "forward_passes_per_input": 5, "fit_s": 10.0,
            "score_s_per_input": 0.001}


def population(out: Path, xpatch_today: float = 0.94, xpatch_cand: float = 0.96) -> None:
    out.mkdir(parents=True)
    for name in r45.FOREIGN[:12]:
        trig = "xpatch" if name in r45.TANH_XPATCH or "relu_cnn-01" in name else "sparse"
        t, c = (xpatch_today, xpatch_cand) if trig == "xpatch" else (1.0, 1.0)
        rows = [row("mahalanobis", "requested", trig, t), row(CAND, "requested", trig, c)]
        (out / f"inputs_s45_{name}.json").write_text(json.dumps(rows))
    for name in r45.OWN:
        rows = [row("mahalanobis", "method", "own", 1.0),
                row("mahalanobis(occlusion=True)", "method", "own", 1.0)]
        (out / f"inputs_s45_{name}.json").write_text(json.dumps({"rows": rows}))


def edit(out: Path, name: str, **values: float) -> None:
    path = out / f"inputs_s45_{name}.json"
    rows = json.loads(path.read_text())
    for r in rows:
        if r["requested"] == CAND:
            r.update(values)
    path.write_text(json.dumps(rows))


def rule(out: Path) -> str:
    return run_script("inputs_rule_stop45.py", str(out), check=True).stdout


def test_a_lift_on_the_crossed_patch_ships(tmp_path: Path) -> None:
    population(tmp_path / "out")
    text = rule(tmp_path / "out")
    assert "tanh-MLP crossed patch (3), today: TPR mean 0.940 worst 0.940; at the goal 0" in text
    assert "tanh-MLP crossed patch (3), candidate: TPR mean 0.960 worst 0.960; at the goal 3" \
        in text
    assert "condition 0 population: >= 10 foreign (12) and >= 4 own (4): met" in text
    assert text.rstrip().endswith("default: True")


def test_a_tpr_loss_or_a_guard_fpr_rise_fails(tmp_path: Path) -> None:
    out = tmp_path / "out"
    population(out)
    edit(out, "s46_relu_cnn-03", tpr_at_fpr=0.985)
    text = rule(out)
    assert "condition 3 no model loses more than 0.01 TPR or one input " \
           "(['s46_relu_cnn-03 1.000 -> 0.985'])" in text
    assert text.rstrip().endswith("default: False")
    edit(out, "s46_relu_cnn-03", tpr_at_fpr=1.0, guard_fpr=0.010)  # +0.006
    text = rule(out)
    assert "(['s46_relu_cnn-03 0.004 -> 0.010']): NOT met" in text
    assert text.rstrip().endswith("default: False")


def test_no_gain_on_the_crossed_patch_does_not_ship(tmp_path: Path) -> None:
    population(tmp_path / "out", xpatch_today=0.96, xpatch_cand=0.96)
    text = rule(tmp_path / "out")
    assert "condition 2 where it is for: one more model at the goal in all (+0)" in text
    assert text.rstrip().endswith("default: False")


def test_the_committed_outputs_reprint_the_committed_decision() -> None:
    data = ROOT / "benchmarks" / "data" / "inputs_s45"
    assert rule(data / "fresh") == (data / "rule_s45.txt").read_text()
