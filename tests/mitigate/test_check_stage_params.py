"""``benchmarks/check_stage_params.py``: each row carries the probe's reading and the figures
before as well as after (hR4, stop 43), so a before/after run reads a CA change, not only a
digest. The zoo and the method are stand-ins: this tests the script's own bookkeeping."""

from __future__ import annotations

import json
import sys
from types import SimpleNamespace

from torch import nn

LEFT = {"trigger_before": 0.267, "trigger_after": 0.089, "kept": 0.333, "perturbation": 0.0}


class Method:
    def __init__(self, **params) -> None:
        self.params = params
        self.report_ = {"action": "treated with ftsam", "residual": dict(LEFT),
                        "unlearn": {"action": "skipped: weak evidence"}}


def test_a_row_has_the_reading_and_both_figures(load_benchmark, monkeypatch, tmp_path) -> None:
    script = load_benchmark("check_stage_params")
    model = nn.Linear(2, 2)
    loaded = SimpleNamespace(module=model, input_shape=(2,), num_classes=2)
    monkeypatch.setattr(script, "pending", lambda args, done: iter(
        [(SimpleNamespace(name="sig-002"), loaded, None, None)]))
    monkeypatch.setattr(script, "Gated", Method)
    monkeypatch.setattr(script, "mitigate", lambda model, method, *a, **k: SimpleNamespace(
        model=model, before={"ca": 0.89751}, after={"ca": 0.9, "asr": 0.04583}))
    out = tmp_path / "out.json"
    monkeypatch.setattr(sys, "argv", ["check_stage_params.py", str(tmp_path),
                                      "--sets=-;weak_first=0", "--out", str(out)])
    script.main()
    rows = json.loads(out.read_text())["models"]["sig-002"]
    assert set(rows) == {"-", "weak_first=0"}
    assert rows["-"]["residual"] == LEFT and rows["-"]["before"] == {"ca": 0.8975}
    assert rows["-"]["after"] == {"ca": 0.9, "asr": 0.0458}
    assert rows["-"]["sha256"] == script.digest(model)
