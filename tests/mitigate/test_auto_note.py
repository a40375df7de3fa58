"""The audit's mitigation advice quotes what the shipped `gated` did on its last fresh zoo."""

from __future__ import annotations

import json
import re
from pathlib import Path

from trojanscope.mitigate.auto import AUTO_WITH_DATA, MEASURED
from trojanscope.mitigate.zoo_eval import MitigationRow

RUNS = Path(__file__).parents[2] / "benchmarks" / "data" / "mitigation"


def test_gated_note_matches_the_fresh_2000_evaluation() -> None:
    rows = []
    for part in ("a", "b"):
        models = json.loads((RUNS / f"fresh-2000{part}.json").read_text())["models"]
        rows += [MitigationRow(**m["rows"]["gated:warp=4"]) for m in models.values()]
    backdoored = [r for r in rows if r.backdoored]
    at_goal = sum(r.meets_goal for r in backdoored)
    worst_asr = max(r.asr_after or 0.0 for r in backdoored)
    worst_loss = max(r.ca_before - r.ca_after for r in backdoored)
    note = MEASURED[AUTO_WITH_DATA]
    assert f"{at_goal} of {len(backdoored)} backdoored" in note
    assert f"{100 * worst_asr:.1f}% ASR" in note
    assert re.search(rf"-{100 * worst_loss:.1f} points", note)
