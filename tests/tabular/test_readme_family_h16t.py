"""Issue 16 stop 64 (h16t): the README-line benchmark's helpers -- seeds read from ranges, its
rows pooled into one population's figures, and the zoo-cover count that found no XGBoost
``tabular-badnets`` in the credit-default recipe of stops 56-63."""

from __future__ import annotations

import json


def test_seeds_are_read_from_ranges_and_lists(load_benchmark) -> None:
    family = load_benchmark("tabular_s64_h16t_readme_family")
    assert family.seeds_of("5400-5402,5410") == [5400, 5401, 5402, 5410]
    assert family.seeds_of("0") == [0]


def _row(recipe: str, p: float, backdoored: bool, target: int | None = 0) -> dict:
    return {"recipe": recipe, "probability": p, "backdoored": backdoored,
            "target": target if backdoored else None, "suspected_target": 0}


def test_pooled_figures_count_only_the_recipes_asked(load_benchmark) -> None:
    family = load_benchmark("tabular_s64_h16t_readme_family")
    rows = [_row("readme", 0.9, True), _row("readme", 0.35, True),
            _row("clean", 0.2, False), _row("clean_sub08", 0.7, False)]
    line = family.pooled(rows, ["readme", "clean"])
    assert "caught 1/2" in line and "clean flagged 0/1" in line and "right 1/1" in line
    assert "ROC-AUC 1.000" in line
    # the flagged clean twin of another recipe counts once it is asked for
    assert "clean flagged 1/2" in family.pooled(rows, ["readme", "clean", "clean_sub08"])
    assert family.pooled(rows, ["nothing"]) == "no rows"
    # a stored zoo reading names its target predicted_target: it pools the same way
    zoo_row = {"recipe": "stored", "probability": 0.8, "backdoored": True, "target": 1,
               "predicted_target": 0}
    assert "right 1/2" in family.pooled([*rows, zoo_row], ["readme", "stored"])


def test_the_credit_recipe_never_gives_xgboost_badnets(load_benchmark) -> None:
    cover = load_benchmark("tabular_s64_h16t_zoo_cover")
    attacks = cover.CREDIT_ATTACKS.split(",")
    as_run = cover.cover(["mlp", "mlp", "xgboost", "lightgbm"], attacks, 18, 5200)
    assert sum(as_run.values()) == 18
    assert not any(arch == "xgboost" and attack == "tabular-badnets"
                   for arch, attack, _ in as_run)
    reordered = cover.cover(["mlp", "xgboost", "mlp", "lightgbm"], attacks, 18, 5200)
    assert any(arch == "xgboost" and attack == "tabular-badnets"
               for arch, attack, _ in reordered)


def test_stored_readings_count_each_zoo_model_once(load_benchmark, tmp_path) -> None:
    cover = load_benchmark("tabular_s64_h16t_zoo_cover")
    row = {"table": "credit-default", "backdoored": True, "zoo": "z", "name": "tabular-rare-009",
           "arch": "xgboost", "attack": "tabular-rare", "target": 1}
    other = {**row, "table": "lending-club", "name": "x"}
    clean = {**row, "backdoored": False, "name": "clean-000"}
    for name in ("a.json", "b.json"):  # the same model read twice (whole split, 200 rows)
        (tmp_path / name).write_text(json.dumps({"rows": [row, other, clean]}))
    counts = cover.stored([str(tmp_path / "a.json"), str(tmp_path / "b.json")],
                          "credit-default")
    assert counts == {("xgboost", "tabular-rare", 1): 1}
