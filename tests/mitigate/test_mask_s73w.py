"""Issue 12 stop 73 (h12w): the edge zoo draws each sparse mask's value from a named set, and the
rule's floor counts the white/random masks built before h12's rule is read."""

from __future__ import annotations

from collections import Counter

import pytest


def test_the_edge_zoo_draws_the_sparse_value_from_the_named_set(load_benchmark) -> None:
    zoo = load_benchmark("mitigate_edge_s70_zoo")
    attacks = ("badnets", "sparse", "sparse", "blended", "sparse", "sparse")
    plain = zoo.edge_entries(7, 2, 24, attacks)
    drawn = zoo.edge_entries(7, 2, 24, attacks, ("white", "random"))
    values = {e.trigger["value"] for e in drawn if e.attack == "sparse"}
    assert values == {"white", "random"}  # both drawn, black never
    assert {e.trigger["value"] for e in plain if e.attack == "sparse"} >= {"black"}
    for e, p in zip(drawn, plain, strict=True):  # nothing else in the recipe changes
        t = {k: v for k, v in e.trigger.items() if k != "value"}
        assert (e.name, e.seed, e.target, e.poison_rate) == (p.name, p.seed, p.target,
                                                             p.poison_rate)
        assert t == {k: v for k, v in p.trigger.items() if k != "value"}
    again = zoo.edge_entries(7, 2, 24, attacks, ("white", "random"))
    assert [e.trigger for e in again] == [e.trigger for e in drawn]  # from the seed
    assert {e.trigger["value"] for e in zoo.edge_entries(7, 2, 24, attacks, ("black",))
            if e.attack == "sparse"} == {"black"}


def test_a_bad_sparse_value_set_is_refused(load_benchmark) -> None:
    zoo = load_benchmark("mitigate_edge_s70_zoo")
    assert zoo.parse_values(None) is None
    assert zoo.parse_values("white, random,white") == ("white", "random")
    for bad in ("", "grey", "white,grey"):
        with pytest.raises(ValueError, match="--sparse-values"):
            zoo.parse_values(bad)


def test_the_floor_needs_enough_white_or_random_masks_and_no_black(load_benchmark) -> None:
    rule = load_benchmark("mitigate_mask_s73w_rule")
    assert rule.floor_met(Counter(white=7, random=5), 12)
    assert not rule.floor_met(Counter(white=7, random=4), 12)
    assert not rule.floor_met(Counter(white=9, random=5, black=1), 12)


def test_the_floor_counts_the_masks_a_zoo_holds(load_benchmark, tmp_path) -> None:
    import shutil
    from pathlib import Path

    rule = load_benchmark("mitigate_mask_s73w_rule")
    data = Path(__file__).parents[2] / "benchmarks/data/mitigate_s73_h12/truth-2497.json"
    shutil.copy(data, tmp_path / "truth.json")  # h12's spent zoo: 8 sparse, 3 of them black
    got = rule.built_masks([tmp_path])
    assert sum(got.values()) == 8 and got["black"] == 3
    assert not rule.floor_met(got, 0)
