"""Issue 12 stop 74 (h12s): the edge zoo draws small sparse masks (``--sparse-count``)."""

from __future__ import annotations

import pytest


def test_the_edge_zoo_draws_the_sparse_count_in_the_named_range(load_benchmark) -> None:
    zoo = load_benchmark("mitigate_edge_s70_zoo")
    attacks = ("badnets", "sparse", "sparse", "blended", "sparse", "sparse")
    plain = zoo.edge_entries(7, 2, 24, attacks, ("white", "random"))
    small = zoo.edge_entries(7, 2, 24, attacks, ("white", "random"), (60, 90))
    counts = [e.trigger["count"] for e in small if e.attack == "sparse"]
    assert counts and all(60 <= c <= 90 for c in counts)
    assert max(e.trigger["count"] for e in plain if e.attack == "sparse") > 90
    for e, p in zip(small, plain, strict=True):  # only the count changes
        assert (e.name, e.seed, e.target, e.poison_rate) == (p.name, p.seed, p.target,
                                                             p.poison_rate)
        assert {k: v for k, v in e.trigger.items() if k != "count"} == {
            k: v for k, v in p.trigger.items() if k != "count"}
    again = zoo.edge_entries(7, 2, 24, attacks, ("white", "random"), (60, 90))
    assert [e.trigger for e in again] == [e.trigger for e in small]  # from the seed


def test_a_bad_sparse_count_is_refused(load_benchmark) -> None:
    zoo = load_benchmark("mitigate_edge_s70_zoo")
    assert zoo.parse_count(None) == zoo.DENSE_COUNT
    assert zoo.parse_count("60,90") == (60, 90)
    for bad in ("", "60", "90,60", "0,10", "60,x", "1,785"):
        with pytest.raises(ValueError, match="--sparse-count"):
            zoo.parse_count(bad)


def test_the_check_refuses_a_bad_zoo_or_share_in_one_line(tmp_path) -> None:
    from script_run import run_script

    got = run_script("mitigate_mask_s74_check.py", tmp_path / "none", tmp_path / "out.json")
    assert got.returncode == 2 and "not a zoo" in got.stderr
    (tmp_path / "truth.json").write_text("{}")
    got = run_script("mitigate_mask_s74_check.py", tmp_path, tmp_path / "out.json", "1.5")
    assert got.returncode == 2 and "mask_dark" in got.stderr
    assert len(got.stderr.strip().splitlines()) == 1 and not (tmp_path / "out.json").exists()


def small_zoo(folder, counts: list[int]):
    """A zoo's truth file of white sparse masks of ``counts`` pixels (their backdoor took)."""
    from trojanscope.zoo import ZooEntry, write_truth

    folder.mkdir()
    write_truth(folder, "mnist", 9, [ZooEntry(
        f"sparse-{i:03d}", "mlp", i, True, "sparse", 1, 0.1,
        {"name": "pixels", "count": n, "value": "white", "seed": i}, {},
        {"attack_success_rate": 1.0}) for i, n in enumerate(counts)])
    return folder


def test_the_floor_reads_the_largest_mask_and_one_more_at_the_goal_is_a_gain(
        tmp_path, load_benchmark) -> None:
    import json

    from test_sure_s71_scripts import row

    from script_run import run_script

    rule = load_benchmark("mitigate_mask_s74_rule")
    zoo = small_zoo(tmp_path / "zoo", [60, 90])
    assert rule.largest_mask([zoo]) == 90
    label = "gated:mask_dark=0.5"
    today = [row(f"badnets-00{i}", "badnets", 0.91, 0.0) for i in range(10)]
    today += [row("sparse-010", "sparse", 0.92, 0.03), row("clean-000", None, 0.92, None)]
    cand = [dict(r) for r in today]
    cand[10] = row("sparse-010", "sparse", 0.92, 0.01)
    part = tmp_path / "fresh.json"
    part.write_text(json.dumps({"gated": {"rows": today}, label: {"rows": cand, "notes": {}}}))
    args = (f"{part}:9999", "--candidate", label, "--min-backdoored", "11", "--min-masks", "2",
            "--time-ratio", "1.5", "--time-add", "0", "--zoo", str(zoo))
    got = run_script("mitigate_mask_s74_rule.py", *args)
    assert got.returncode == 0, got.stderr
    assert "(gain 1, needed 1): met" in got.stdout and got.stdout.strip().endswith("rule met")
    got = run_script("mitigate_mask_s74_rule.py", *args, "--max-pixels", "80")
    assert "not met (rule not read)" in got.stdout and "(A)" not in got.stdout
