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
