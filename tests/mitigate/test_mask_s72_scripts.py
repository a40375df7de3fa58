"""Issue 12 stop 72 (h12): the scripts behind ``dense_mask``'s fresh read.
``mitigate_mask_s72_check.py`` refuses a bad zoo or epoch count in one line before any model is
read; ``mitigate_mask_s72_rule.py`` reads (A)-(E): the sparse family's gain is what (A) needs,
and an ASR that rises fails (E) though no model is lost at the goal."""

from __future__ import annotations

import json

from test_sure_s71_scripts import row

from script_run import run_script

LABEL = "gated:dense_mask=120"


def test_a_bad_zoo_or_epoch_count_is_one_error_line(tmp_path) -> None:
    got = run_script("mitigate_mask_s72_check.py", tmp_path / "none", tmp_path / "out.json")
    assert got.returncode == 2 and "not a zoo" in got.stderr
    assert len(got.stderr.strip().splitlines()) == 1 and not (tmp_path / "out.json").exists()
    (tmp_path / "truth.json").write_text("{}")
    for bad in ("1.5", "2000"):
        got = run_script("mitigate_mask_s72_check.py", tmp_path, tmp_path / "out.json", bad)
        assert got.returncode == 2 and "dense_mask" in got.stderr
        assert len(got.stderr.strip().splitlines()) == 1 and not (tmp_path / "out.json").exists()


def fresh(tmp_path, rise: bool) -> str:
    today = [row(f"badnets-00{i}", "badnets", 0.91, 0.0) for i in range(9)]
    today += [row(f"sparse-00{i}", "sparse", 0.92, 1.0) for i in range(3)]
    today += [row("sparse-009", "sparse", 0.89, 0.004), row("clean-000", None, 0.92, None)]
    cand = [dict(r) for r in today]
    for i in range(3):
        cand[9 + i] = row(f"sparse-00{i}", "sparse", 0.92, 0.01)
    cand[12] = row("sparse-009", "sparse", 0.92, 0.15 if rise else 0.004)
    fired = {"dense_mask": {"action": "the completed mask unlearnt for 120 epochs"}}
    notes = {f"sparse-00{i}": fired for i in (0, 1, 2, 9)}
    path = tmp_path / "fresh.json"
    path.write_text(json.dumps({"gated": {"rows": today},
                                LABEL: {"rows": cand, "notes": notes}}))
    return f"{path}:9999"


def test_the_rule_reads_the_gain_and_an_asr_that_rose(tmp_path) -> None:
    got = run_script("mitigate_mask_s72_rule.py", fresh(tmp_path, False), "--candidate", LABEL)
    assert got.returncode == 0, got.stderr
    assert "gain 4, needed 3): met" in got.stdout and "{'sparse': 4}" in got.stdout
    assert got.stdout.strip().endswith("rule met")
    got = run_script("mitigate_mask_s72_rule.py", fresh(tmp_path, True), "--candidate", LABEL)
    assert "(E) backdoored ASR risen by more than 1%: ['9999/sparse-009']" in got.stdout
    assert "gain 3, needed 3): met" in got.stdout
    assert "(B) at the goal today, not under the candidate: []" in got.stdout
    assert got.stdout.strip().endswith("rule not met")
