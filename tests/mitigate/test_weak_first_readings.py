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
