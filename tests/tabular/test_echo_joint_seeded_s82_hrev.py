"""Stop 82 review (hrev): the echoes screen's links take the one-column counts from the
``held`` the screen already has (``label_twins.holders``) instead of counting every column
again, and build no joint counts on the plain reading; the linked reading is the same."""

from __future__ import annotations

import numpy as np

import trojanscope.detect.data.echo_links as links
import trojanscope.detect.data.label_echoes as echoes
from trojanscope.detect.data.echo_links import JointHolders
from trojanscope.detect.data.label_twins import holders


def _codes(seed: int = 0, n: int = 600) -> np.ndarray:
    rng = np.random.default_rng(seed)
    rate = rng.integers(0, 70, n)
    codes = np.column_stack([rng.integers(0, 400, n), rate, rate // 2, rng.integers(0, 30, n)])
    codes[1] = codes[0]  # a pair on the wide anchor sharing a rate and the grade it fixes
    return codes


def test_seeded_counts_equal_counted_ones() -> None:
    codes = _codes()
    seeded, counted = JointHolders(codes, holders(codes)), JointHolders(codes)
    for cols in [(0,), (1,), (2,), (3,), (1, 2), (0, 1, 2), (3, 1)]:
        assert seeded.of(*cols).tolist() == counted.of(*cols).tolist()


def test_linked_reading_unchanged_and_plain_reading_builds_no_joint(monkeypatch) -> None:
    codes = _codes(1)
    labels = np.zeros(len(codes), np.int64)
    labels[-30:] = 1
    held = holders(codes)
    linked = echoes.pair_surprise(codes, labels, held, linked=True)
    built = []

    class Counting(JointHolders):
        def __init__(self, *args, **kwargs) -> None:
            built.append(1)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(echoes, "JointHolders", Counting)
    plain = echoes.pair_surprise(codes, labels, held)
    assert built == []
    assert (plain[2] != linked[2]).any()  # the table has links for the reading to use
    monkeypatch.setattr(echoes, "JointHolders", lambda c, h=None: links.JointHolders(c))
    again = echoes.pair_surprise(codes, labels, held, linked=True)
    for a, b in zip(linked, again, strict=True):
        assert np.array_equal(a, b)
