"""Issue 12 stop 71 (h12): the scripts behind ``sure``'s read on dense-mask MLPs.
``mitigate_sure_s71_check.py`` refuses a bad zoo or bar in one line before any model is read;
``mitigate_sure_s71_rule.py`` reads (A)-(E) from both rows and the notes: a model handed back
untreated today and overruled by the candidate is what (A) needs, and a model lost at the goal
fails (B)."""

from __future__ import annotations

import json
from dataclasses import asdict

from script_run import run_script
from trojanscope.mitigate.zoo_eval import MitigationRow

LABEL = "gated:sure=0.6"


def test_a_bad_zoo_or_bar_is_one_error_line(tmp_path) -> None:
    got = run_script("mitigate_sure_s71_check.py", tmp_path / "none", tmp_path / "out.json")
    assert got.returncode == 2 and "not a zoo" in got.stderr
    assert len(got.stderr.strip().splitlines()) == 1 and not (tmp_path / "out.json").exists()
    (tmp_path / "truth.json").write_text("{}")
    got = run_script("mitigate_sure_s71_check.py", tmp_path, tmp_path / "out.json", "1.5")
    assert got.returncode == 2 and "sure" in got.stderr
    assert len(got.stderr.strip().splitlines()) == 1 and not (tmp_path / "out.json").exists()


def row(name: str, attack: str | None, ca_after: float, asr_after: float | None,
        cpu: float = 10.0) -> dict:
    return asdict(MitigationRow(name, attack, attack is not None, 200, 0.92, ca_after,
                                None if attack is None else 1.0, asr_after, 30.0, cpu))


def write(path, today: list[dict], cand: list[dict], notes: dict) -> str:
    path.write_text(json.dumps({"gated": {"rows": today},
                                LABEL: {"rows": cand, "notes": notes}}))
    return f"{path}:9999"


def base(tmp_path, sparse_after: float, lose: bool = False) -> str:
    backdoored = [row(f"badnets-00{i}", "badnets", 0.91, 0.0) for i in range(6)]
    today = [*backdoored, row("sparse-009", "sparse", 0.92, 1.0),
             row("clean-000", None, 0.92, None)]
    cand = [dict(r) for r in today]
    cand[6] = row("sparse-009", "sparse", 0.90, sparse_after)
    if lose:
        cand[0] = row("badnets-000", "badnets", 0.88, 0.0)
    untreated = "not treated: ftsam ran, but the probe found no backdoor; the original is returned"
    notes = {"sparse-009": {"overruled": "p=0.825 >= sure 0.6", "today_action": untreated,
                            "action": "treated with ftsam"}}
    return write(tmp_path / "fresh.json", today, cand, notes)


def test_the_rule_is_met_where_the_untreated_model_is_overruled_and_halved(tmp_path) -> None:
    got = run_script("mitigate_sure_s71_rule.py", base(tmp_path, 0.3), "--candidate", LABEL)
    assert got.returncode == 0, got.stderr
    assert "(A)" in got.stdout and got.stdout.strip().endswith("rule met")


def test_an_asr_not_halved_or_a_model_lost_is_not_met(tmp_path) -> None:
    got = run_script("mitigate_sure_s71_rule.py", base(tmp_path, 0.6), "--candidate", LABEL)
    assert "(A)" in got.stdout and got.stdout.strip().endswith("rule not met")
    got = run_script("mitigate_sure_s71_rule.py", base(tmp_path, 0.3, lose=True), "--candidate",
                     LABEL)
    assert "9999/badnets-000" in got.stdout and got.stdout.strip().endswith("rule not met")
