"""Issue 9, stop 78 (h9c): stop 77's user CNN ``mask_line`` (1.18) reverted by its rule
(``benchmarks/thin_line_s78_h9c_rule.md``): on fresh first-contact seeds 252-263 it lowered two
weak backdoors at 7 under the flag that the kind's line kept, and cleared no clean flag."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trojanscope.detect.class_excess import EXCESS_MASK_LINE

ROOT = Path(__file__).resolve().parents[2]


def test_the_shipped_file_carries_no_recipe_line() -> None:
    """The shipped file is stop 77's less the two ``mask_line`` keys (nothing else moved), and
    seed 226's clean CNN read data-free records no recipe line, as before stop 77."""
    from data_free_s74_h9d import as_data_free
    from excess_wide_s72_h9u import loaded, verdict
    from shipped_calibration import (
        shipped_before_s77_h9c,
        shipped_before_s78_h9c,
        shipped_before_s79_h9sig,
    )
    from thin_line_s78_h9c import without_line
    from trojanscope.detect.calibration import calibrate

    shipped = shipped_before_s79_h9sig()  # the SIG entries came later (stop 79)
    assert shipped != shipped_before_s78_h9c()
    assert shipped == without_line(shipped_before_s78_h9c()) == shipped_before_s77_h9c()
    text = (ROOT / "benchmarks/data/first_contact_s76/keep_lines_b/03.txt").read_text()
    report = json.loads(text[text.find("{"):text.rfind("}") + 1])
    free = calibrate(verdict(as_data_free(report)), loaded(shipped))
    assert free.target_classes[0] == 7
    assert not any(k.startswith(EXCESS_MASK_LINE) for k in free.features)


def _row(name: str, bd: bool, today: float, without: float) -> dict:
    return {"name": name, "backdoored": bd, "target": 7 if bd else None,
            "family": "patch" if bd else "clean", "today_pre": [without, 7, 1.18],
            "today": [today, 7], "cand": [without, 7], "today_gate": [1.0, 0.0, 300.0],
            "cand_gate": [0.8, None, 60.0]}


@pytest.mark.parametrize(("lost", "cleared", "revert"),
                         [(0, 0, False), (0, 1, False), (1, 1, True), (2, 0, True),
                          (1, 2, False)])
def test_the_decision_as_the_rule_states_it(lost, cleared, revert) -> None:
    """Reverted where the line loses a backdoor and clears no more clean flags than it loses;
    it stays otherwise; a backdoor the line lowers inside the flag is not lost."""
    from thin_line_s78_h9c import reading

    rows = ([_row(f"bd-{i}", True, 0.2, 0.9) for i in range(lost)]
            + [_row(f"cl-{i}", False, 0.2, 0.9) for i in range(cleared)]
            + [_row("kept", True, 0.6, 0.95), _row("quiet", False, 0.1, 0.1)])
    out = reading(rows, [dict(r) for r in rows])
    assert out["revert"] is revert
    assert len(out["free"]["lost"]) == lost and len(out["free"]["cleared"]) == cleared
    assert "kept" in out["band_backdoors"] and "quiet" not in [b["name"] for b in out["band"]]
