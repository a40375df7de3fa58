"""Issue 12 stop 70 (h12): the scripts behind ``blend_stop``'s read. ``mitigate_stop_s70_check.py``
runs ``blend_last`` twice from one run (``blend_stop=0`` on a copy, then the bar) and imports
without running or patching anything; ``mitigate_edge_s70_zoo.py`` draws ``zoo make``'s entries
with only the blended opacities and sparse counts redrawn; ``mitigate_misses_s70_table.py`` sorts
a miss by its kind; ``mitigate_stop_s70_dev.py`` counts a stop's gains and losses."""

from __future__ import annotations

from types import SimpleNamespace

import torch

import trojanscope.mitigate.blend_last as bl
from script_run import run_script
from trojanscope.zoo import draw_entries


def test_importing_the_check_runs_and_patches_nothing(load_benchmark) -> None:
    step = bl.blend_step
    script = load_benchmark("mitigate_stop_s70_check")
    assert callable(script.main) and bl.blend_step is step


def test_a_bad_zoo_or_bar_is_one_error_line(tmp_path) -> None:
    got = run_script("mitigate_stop_s70_check.py", tmp_path / "none", tmp_path / "out.json")
    assert got.returncode == 2 and "not a zoo" in got.stderr
    assert len(got.stderr.strip().splitlines()) == 1 and not (tmp_path / "out.json").exists()
    (tmp_path / "truth.json").write_text("{}")
    got = run_script("mitigate_stop_s70_check.py", tmp_path, tmp_path / "out.json", "1.5")
    assert got.returncode == 2 and "blend_stop" in got.stderr
    assert len(got.stderr.strip().splitlines()) == 1 and not (tmp_path / "out.json").exists()


def test_the_spy_runs_today_without_the_stop_on_a_copy(load_benchmark) -> None:
    from last_step_rows import both_settings
    calls = []

    def step(gated, out, came, clean, seed, trigger):
        calls.append(gated.blend_stop)
        gated.report_["blend_last"] = {"stop": gated.blend_stop}
        return out + (1.0 if gated.blend_stop else 2.0)

    seen: dict = {}
    method = SimpleNamespace(blend_stop=0.5, report_={})
    got = both_settings(step, seen, "blend_stop", 0.0, "blend_last")(
        method, torch.zeros(2), {}, None, 0, None)
    assert calls == [0.0, 0.5] and method.blend_stop == 0.5
    assert torch.equal(seen["before"], torch.full((2,), 2.0)) and torch.equal(got, torch.ones(2))
    assert method.report_["blend_last"] == {"stop": 0.5, "today": {"stop": 0.0}}


def test_the_edge_zoo_redraws_only_blended_opacities_and_sparse_counts(load_benchmark) -> None:
    zoo = load_benchmark("mitigate_edge_s70_zoo")
    plain = draw_entries(3, 10, 10, 7, attacks=zoo.ATTACKS, archs=("mlp",))
    edge = zoo.edge_entries(7, 3, 10)
    assert [e.name for e in edge] == [e.name for e in plain]
    for e, p in zip(edge, plain, strict=True):
        assert (e.seed, e.target, e.poison_rate, e.arch) == (p.seed, p.target, p.poison_rate,
                                                             p.arch)
        if e.attack == "blended":
            assert zoo.BLEND_ALPHA[0] <= e.trigger["alpha"] <= zoo.BLEND_ALPHA[1]
        elif e.attack == "sparse":
            assert zoo.DENSE_COUNT[0] <= e.trigger["count"] <= zoo.DENSE_COUNT[1]
            assert e.trigger["seed"] == p.trigger["seed"]
        else:
            assert e.trigger == p.trigger
    assert [e.trigger for e in zoo.edge_entries(7, 3, 10)] == [e.trigger for e in edge]


def test_a_miss_is_sorted_by_its_kind(load_benchmark) -> None:
    table = load_benchmark("mitigate_misses_s70_table")
    row = {"model": "1/blended-001", "attack": "blended", "backdoored": True, "ca_before": 0.9,
           "asr_before": 1.0, "wall_s": 1.0, "cpu_s": 1.0}
    assert table.kind(table.as_row({**row, "ca_after": 0.885, "asr_after": 0.02})) == "ok"
    assert table.kind(table.as_row({**row, "ca_after": 0.87, "asr_after": 0.0})) == "accuracy"
    assert table.kind(table.as_row({**row, "ca_after": 0.9, "asr_after": 0.03})) == "ASR"
    assert table.kind(table.as_row({**row, "ca_after": 0.85, "asr_after": 0.03})) == "both"


def test_a_stop_counts_gains_and_losses_against_today(load_benchmark) -> None:
    dev = load_benchmark("mitigate_stop_s70_dev")
    read = {"0.3": 0.6}

    def fits(today: tuple, prefit: tuple, r: float) -> dict:
        return {"today": {"ca": today[0], "asr": today[1], "read": {"0.3": r}},
                "prefit": {"ca": prefit[0], "asr": prefit[1], "read": read}}

    rows = [{"model": "gain", "ca_before": 0.9, "fits": fits((0.9, 0.03), (0.89, 0.01), 0.7)},
            {"model": "lose", "ca_before": 0.9, "fits": fits((0.9, 0.01), (0.85, 0.0), 0.8)},
            {"model": "under", "ca_before": 0.9, "fits": fits((0.9, 0.03), (0.9, 0.0), 0.2)}]
    stopped, gained, lost = dev.count(rows, lambda f: f["today"]["read"]["0.3"], 0.5, "prefit")
    assert (stopped, gained, lost) == (2, ["gain"], ["lose"])
