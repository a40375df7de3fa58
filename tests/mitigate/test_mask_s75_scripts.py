"""Issue 12 stop 75 (h12b): the check and rule scripts for ``gated:mask_black=E``."""

from __future__ import annotations

import json


def black_zoo(folder, values: list[str]):
    """A zoo's truth file of 100-pixel sparse masks of ``values`` (their backdoor took)."""
    from trojanscope.zoo import ZooEntry, write_truth

    folder.mkdir()
    write_truth(folder, "mnist", 9, [ZooEntry(
        f"sparse-{i:03d}", "mlp", i, True, "sparse", 1, 0.1,
        {"name": "pixels", "count": 100, "value": v, "seed": i}, {},
        {"attack_success_rate": 1.0}) for i, v in enumerate(values)])
    return folder


def test_the_check_refuses_a_bad_zoo_or_epoch_count_in_one_line(tmp_path) -> None:
    from script_run import run_script

    got = run_script("mitigate_mask_s75_check.py", tmp_path / "none", tmp_path / "out.json")
    assert got.returncode == 2 and "not a zoo" in got.stderr
    (tmp_path / "truth.json").write_text("{}")
    got = run_script("mitigate_mask_s75_check.py", tmp_path, tmp_path / "out.json", "2.5")
    assert got.returncode == 2 and "mask_black" in got.stderr
    assert len(got.stderr.strip().splitlines()) == 1 and not (tmp_path / "out.json").exists()


def test_the_floor_counts_black_masks_and_the_rule_names_where_it_fired(
        tmp_path, load_benchmark) -> None:
    from test_sure_s71_scripts import row

    from script_run import run_script

    zoo = black_zoo(tmp_path / "zoo", ["black", "black", "random"])
    assert load_benchmark("mitigate_mask_s75_rule").built_masks([zoo])["black"] == 2
    label = "gated:mask_black=200"
    today = [row(f"badnets-00{i}", "badnets", 0.91, 0.0) for i in range(10)]
    today += [row("sparse-010", "sparse", 0.92, 0.03), row("clean-000", None, 0.92, None)]
    cand = [dict(r) for r in today]
    cand[10] = row("sparse-010", "sparse", 0.92, 0.01)
    notes = {"sparse-010": {"mask_black": {"action": "the darkening unlearnt for 200 epochs"}},
             "clean-000": {"mask_black": {"action": "none: no suspect"}}}
    part = tmp_path / "fresh.json"
    part.write_text(json.dumps({"gated": {"rows": today},
                                label: {"rows": cand, "notes": notes}}))
    args = (f"{part}:9999", "--candidate", label, "--min-backdoored", "11", "--time-ratio",
            "1.5", "--time-add", "0", "--zoo", str(zoo))
    got = run_script("mitigate_mask_s75_rule.py", *args, "--min-black", "2")
    assert got.returncode == 0, got.stderr
    assert "darkening unlearnt on 1: ['9999/sparse-010']" in got.stdout
    assert "(gain 1, needed 1): met" in got.stdout and got.stdout.strip().endswith("rule met")
    got = run_script("mitigate_mask_s75_rule.py", *args)  # 6 black masks by default
    assert "not met (rule not read)" in got.stdout and "(A)" not in got.stdout
