"""Issue 12 stop 69 (h12): the scripts behind ``blend_rise``'s read. ``mitigate_gate_s69_check.py``
runs ``blend_last`` twice from one run (today's gate on a copy, the candidate's on the model) and
imports without running or patching anything; ``mitigate_gate_s69_table.py`` reads a gate by the
gap it leaves between the blended family and the others, and its ``--rule`` is plan.md's (E)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import torch

import trojanscope.mitigate.blend_last as bl
from script_run import run_script


def test_importing_the_check_runs_and_patches_nothing(load_benchmark) -> None:
    step = bl.blend_step
    script = load_benchmark("mitigate_gate_s69_check")
    assert callable(script.main) and bl.blend_step is step


def test_a_bad_zoo_is_one_error_line(tmp_path) -> None:
    got = run_script("mitigate_gate_s69_check.py", tmp_path / "none", tmp_path / "out.json")
    assert got.returncode == 2 and "not a zoo" in got.stderr
    assert len(got.stderr.strip().splitlines()) == 1 and not (tmp_path / "out.json").exists()


def test_the_spy_runs_today_on_a_copy_then_the_candidate(load_benchmark) -> None:
    script = load_benchmark("mitigate_gate_s69_check")
    calls = []

    def step(gated, out, came, clean, seed, trigger):
        calls.append((gated.blend_rise, out))
        gated.report_["blend_last"] = {"rise": gated.blend_rise}
        out.add_(1.0 if gated.blend_rise else 2.0)
        return out

    seen: dict = {}
    method = SimpleNamespace(blend_rise=True, report_={})
    model = torch.zeros(2)
    got = script.both_gates(step, seen)(method, model, {}, None, 0, None)
    assert [rise for rise, _ in calls] == [False, True] and method.blend_rise is True
    assert calls[0][1] is not model and got is model  # today's on a copy, the candidate's not
    assert torch.equal(seen["before"], torch.full((2,), 2.0)) and torch.equal(model, torch.ones(2))
    assert method.report_["blend_last"] == {"rise": True, "today": {"rise": False}}
    assert {"seconds", "cpu", "spare_seconds", "spare_cpu"} <= set(seen)


def _row(name: str, attack: str, low: float, high: float, at15: float) -> dict:
    reach = {str(bl.RISE_LOW): low, str(bl.RISE_HIGH): high, str(bl.BLEND_GATE_ALPHA): at15}
    return {"model": name, "attack": attack, "reach": reach}


def test_the_gap_is_lowest_blended_less_highest_other(load_benchmark) -> None:
    table = load_benchmark("mitigate_gate_s69_table")
    rows = [_row("a", "blended", 0.05, 0.95, 1.0), _row("b", "sparse", 0.2, 0.8, 0.96),
            _row("c", "sig", 0.0, 0.1, 0.1)]
    width, rel, b_edge, o_edge, fams = table.gap(rows, table.rise(bl.RISE_LOW, bl.RISE_HIGH),
                                                 True)
    assert round(width, 6) == 0.3 and b_edge[1]["model"] == "a" and o_edge[1]["model"] == "b"
    assert round(rel, 6) == round(0.3 / 0.8, 6) and set(fams) == {"blended", "sparse", "sig"}
    width, *_ = table.gap(rows, table.share(bl.BLEND_GATE_ALPHA), True)
    assert round(width, 6) == 0.04


def test_the_rule_needs_the_bar_to_separate_and_a_wider_gap(load_benchmark, tmp_path,
                                                            capsys) -> None:
    table = load_benchmark("mitigate_gate_s69_table")
    met = [_row("a", "blended", 0.05, 0.95, 1.0), _row("b", "sparse", 0.2, 0.8, 0.96),
           _row("c", "sig", 0.0, 0.1, 0.1)]
    table.rule(met)
    assert capsys.readouterr().out.strip().endswith(": met")
    table.rule(met[:2])  # one model a side: both gaps the whole spread, none wider
    assert capsys.readouterr().out.strip().endswith("not met")
    over = [*met, _row("d", "badnets", 0.0, 0.9, 0.5)]  # another family over the bar
    table.rule(over)
    assert "['d']" in capsys.readouterr().out
    table.rule(met[:1])  # no other family read
    assert capsys.readouterr().out.strip().endswith("not met")
    path = Path(tmp_path / "rows.jsonl")
    path.write_text("\n".join(json.dumps(r) for r in over))
    assert table.read_rows([str(path)]) == over
