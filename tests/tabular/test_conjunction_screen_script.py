"""benchmarks/tabular_conjunction_screen.py (issue 16 stop 37): whose combination it credits."""

from __future__ import annotations


def record(old: list[float], new: list[float], found_old, found_new) -> dict:
    return {
        "old": old,
        "new": new,
        "found_old": found_old,
        "found_new": found_new,
        "hit_old": 1,
        "hit_new": 3,
    }


def test_the_screen_is_credited_only_where_it_beat_the_search(load_benchmark) -> None:
    hits = load_benchmark("tabular_conjunction_screen").combination_hits
    beat = record([0.37, 0.40], [0.70, 0.40], [[], []], [["a=1", "b=2", "c=3"], []])
    assert hits(beat, 0, 3) == "3 of 3 (screen)"
    # not beaten: tabular_pair_screen.py keeps the search's combination as the "new" one
    kept = record([0.44, 0.32], [0.44, 0.32], [["a=1"], []], [["a=1"], []])
    assert hits(kept, 0, 3) == "1 of 3 (search)"
    # the row's own excess was read, not searched again: no combination on record
    read = record([0.44, 0.32], [0.44, 0.32], [[], []], [[], []])
    assert hits(read, 0, 3) == "–"
    assert hits({}, 1, 2) == "–"
