"""Issue 9, stop 45 (h9b): point (d) of the seed-65 rule — ``benchmarks/own_eval_gk.py`` lists the
entries a candidate calibration file changes and the ``zoo/eval`` models those changes reach."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "src" / "trojanscope" / "detect" / "calibration.json"


def test_shipped_file_changes_nothing(load_benchmark):
    res = load_benchmark("own_eval_gk").check(SHIPPED)
    assert res["changed_entries"] == []
    assert res["wider"]["models"] == res["frame_gate"]["models"] == 40


def test_changed_entries_and_reach(load_benchmark, tmp_path):
    cal = json.loads(SHIPPED.read_text())
    cal["auto:out-of-coverage"]["intercept"] += 1.0
    cal["auto:raise:frame"]["fitted_on"]["gate"] = ["activation:"]
    path = tmp_path / "cand.json"
    path.write_text(json.dumps(cal))
    res = load_benchmark("own_eval_gk").check(path)
    assert "auto:out-of-coverage" in res["changed_entries"]
    assert set(res["changed_entries"]) <= {"auto:out-of-coverage", "auto:raise:frame"}
    # issue 3's own models are all in the default coverage, with covered activations
    assert res["wider"]["scored_by_wider"] == []
    assert res["frame_gate"]["frame_gated_off"] == []
