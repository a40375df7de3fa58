"""Issue 12 stop 73 (h12m): today's default `gated` set beside the old one (`dense_mask=0`) on a
mixed zoo; the reader names every model today's default does worse on."""

from __future__ import annotations

import json

import pytest

from trojanscope.mitigate.zoo_eval import MitigationRow


def _row(name: str, attack: str | None, ca_after: float, asr_after: float | None,
         cpu: float = 5.0) -> MitigationRow:
    return MitigationRow(name, attack, attack is not None, 800, 0.92, ca_after, 1.0 if attack
                         else None, asr_after, cpu, cpu)


def test_worse_names_a_lost_goal_a_risen_asr_and_a_fallen_ca(load_benchmark) -> None:
    read = load_benchmark("mitigate_mixed_s73_read")
    assert read.worse(_row("a", "sparse", 0.91, 0.01), _row("a", "sparse", 0.91, 0.015)) == []
    assert read.worse(_row("a", "sparse", 0.91, 0.01), _row("a", "sparse", 0.91, 0.03)) == [
        "lost the goal", "ASR 1.00% -> 3.00%"]
    assert read.worse(_row("a", "wanet", 0.80, 0.5), _row("a", "wanet", 0.78, 0.5)) == [
        "CA 0.8000 -> 0.7800"]
    clean = read.worse(_row("c", None, 0.92, None), _row("c", None, 0.89, None))
    assert clean[0] == "lost the goal"


def test_the_reader_pairs_the_old_default_with_today_per_family(load_benchmark, tmp_path,
                                                                 capsys) -> None:
    from dataclasses import asdict

    read = load_benchmark("mitigate_mixed_s73_read")
    old = [_row("sparse-001", "sparse", 0.91, 0.9, 8.0), _row("clean-000", None, 0.92, None)]
    new = [_row("sparse-001", "sparse", 0.915, 0.0, 5.0), _row("clean-000", None, 0.92, None)]
    out = tmp_path / "rows.json"
    out.write_text(json.dumps({
        read.OLD: {"rows": [asdict(r) for r in old]},
        "gated": {"rows": [asdict(r) for r in new], "notes": {"sparse-001": {
            "dense_mask": {"action": "the completed mask unlearnt for 120 epochs"}}}}}))
    read.main([f"{out}:9"])
    text = capsys.readouterr().out
    assert "mask unlearnt on 1: {'sparse': 1}" in text
    assert "sparse (1): at the goal old 0, today 1; median CPU old 8.0 s, today 5.0 s" in text
    assert "worse under today's default: 0" in text
    with pytest.raises(SystemExit) as exc:  # the rows of stop 73's rule files are not these
        out.write_text(json.dumps({"gated": {"rows": []}}))
        read.main([f"{out}:9"])
    assert exc.value.code == 2


def test_the_check_refuses_a_missing_zoo(load_benchmark, tmp_path, capsys) -> None:
    check = load_benchmark("mitigate_mixed_s73_check")
    with pytest.raises(SystemExit) as exc:
        check.main([str(tmp_path / "nozoo"), str(tmp_path / "out.json")])
    assert exc.value.code == 2
    assert "not a zoo" in capsys.readouterr().err
