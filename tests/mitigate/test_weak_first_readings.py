"""``benchmarks/weak_first_readings.py``: the committed probe readings where `gated`'s
``weak_first`` would fire, read with `gated`'s own rules (hR4, stop 43)."""

from __future__ import annotations

import json

WEAK = {"trigger_before": 0.244, "trigger_after": 0.067, "kept": 0.273, "perturbation": 0.022}


def entry(left: dict, p: float = 0.8) -> dict:
    return {"before": {"ca": 0.9, "asr": 1.0}, "after": {"ca": 0.85, "asr": 0.0},
            "stages": {"first": {"ca": 0.88, "asr": 0.01}},
            "report": {"detector": f"auto p={p} (gate 0.2)", "residual": left,
                       "unlearn": {"action": "all rounds"}}}


def test_only_a_weak_reading_that_opened_the_stage_is_listed(load_benchmark, tmp_path) -> None:
    scan = load_benchmark("weak_first_readings")
    models = {
        "sig-007": entry(WEAK),
        "badnets-000": entry({**WEAK, "trigger_before": 0.6}),  # a strong trigger
        "sig-002": entry({**WEAK, "kept": 0.6}),                 # the probe: nothing left
        "sig-003": entry({**WEAK, "perturbation": 0.3}),         # the stripe still sends
    }
    (tmp_path / "a.json").write_text(json.dumps({"models": models, "params": "the defaults"}))
    (tmp_path / "broken.json").write_text("{")
    fired = scan.scan(sorted(tmp_path.glob("*.json")))
    assert [r["model"] for r in fired] == ["sig-007"]
    assert fired[0]["first"] == {"ca": 0.88, "asr": 0.01} and fired[0]["params"] == "the defaults"
    assert scan.scan(sorted(tmp_path.glob("*.json")), weak=0.2) == []  # under the trigger's 0.244


def test_a_check_stage_params_row_is_read_too(load_benchmark, tmp_path) -> None:
    """Its rows hold the reading beside the action's text and the figures (no report dict)."""
    scan = load_benchmark("weak_first_readings")
    row = {"sha256": "0" * 64, "action": "treated with ftsam", "unlearn": "skipped: weak evidence",
           "residual": WEAK, "before": {"ca": 0.8975}, "after": {"ca": 0.9, "asr": 0.0458}}
    (tmp_path / "check.json").write_text(json.dumps({"models": {"sig-002": {"-": row}},
                                                     "sets": ["-"]}))
    (fired,) = scan.scan([tmp_path / "check.json"])
    assert fired["model"] == "sig-002" and fired["unlearn"] == "skipped: weak evidence"
    assert fired["before"] == {"ca": 0.8975} and fired["after"]["asr"] == 0.0458


def test_its_own_output_is_not_read_again(load_benchmark, tmp_path) -> None:
    scan = load_benchmark("weak_first_readings")
    (tmp_path / "a.json").write_text(json.dumps({"models": {"sig-007": entry(WEAK)}}))
    fired = scan.scan([tmp_path / "a.json"])
    (tmp_path / "out.json").write_text(json.dumps(fired))
    assert len(scan.scan(sorted(tmp_path.glob("*.json")))) == 1
