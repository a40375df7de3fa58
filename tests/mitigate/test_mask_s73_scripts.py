"""Issue 12 stop 73 (h12): the scripts behind ``mask_ranked``'s fresh read.
``mitigate_mask_s73_check.py`` refuses a bad zoo or epoch count in one line before any model is
read; ``mitigate_mask_s73_rule.py`` reads (E) against issue 12's ASR goal: a rise that stays
within 2% passes it (stop 72's reader fails it), a rise above fails both."""

from __future__ import annotations

import json

import pytest
from test_sure_s71_scripts import row

from script_run import run_script

LABEL = "gated:dense_mask=120,mask_ranked=1"


def test_a_bad_zoo_or_epoch_count_is_one_error_line(tmp_path) -> None:
    got = run_script("mitigate_mask_s73_check.py", tmp_path / "none", tmp_path / "out.json")
    assert got.returncode == 2 and "not a zoo" in got.stderr
    (tmp_path / "truth.json").write_text("{}")
    got = run_script("mitigate_mask_s73_check.py", tmp_path, tmp_path / "out.json", "1.5")
    assert got.returncode == 2 and "dense_mask" in got.stderr
    assert len(got.stderr.strip().splitlines()) == 1 and not (tmp_path / "out.json").exists()


def fresh(tmp_path, after: float) -> str:
    """Three sparse models gained, one at 0.4% today at ``after`` under the candidate."""
    today = [row(f"badnets-00{i}", "badnets", 0.91, 0.0) for i in range(9)]
    today += [row(f"sparse-00{i}", "sparse", 0.92, 1.0) for i in range(3)]
    today += [row("sparse-009", "sparse", 0.92, 0.004), row("clean-000", None, 0.92, None)]
    cand = [dict(r) for r in today]
    for i in range(3):
        cand[9 + i] = row(f"sparse-00{i}", "sparse", 0.92, 0.01)
    cand[12] = row("sparse-009", "sparse", 0.92, after)
    path = tmp_path / "fresh.json"
    path.write_text(json.dumps({"gated": {"rows": today}, LABEL: {"rows": cand, "notes": {}}}))
    return f"{path}:9999"


@pytest.mark.parametrize(("after", "s72", "s73"), [(0.015, "not met", "met"),
                                                  (0.15, "not met", "not met")])
def test_e_counts_a_rise_only_above_the_goal(tmp_path, after, s72, s73) -> None:
    part = fresh(tmp_path, after)
    for script, want in (("mitigate_mask_s72_rule.py", s72), ("mitigate_mask_s73_rule.py", s73)):
        got = run_script(script, part, "--candidate", LABEL)
        assert got.returncode == 0, got.stderr
        assert got.stdout.strip().endswith(f"rule {want}")
    assert "to above 2%" in got.stdout
