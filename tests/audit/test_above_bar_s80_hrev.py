"""The figure ``mitigate`` judges, above its 10% bar (``mitigate.run.above_bar``): read by the
audit's ``TSA120`` (``steps_record.residue``) and by ``mitigate``'s "weakened, not removed" note
(``run.weakened_words``, stop 80 hcmd), which each wrote the test in full (stop 80's review).
The readings are held to the test as both wrote it, on seeded records with the edges."""

from __future__ import annotations

import random

import pytest

from trojanscope.audit.steps_record import residue
from trojanscope.mitigate.run import STILL_ASR, above_bar, judged, still_there, weakened_words


def _old_test(before: dict, after: dict) -> bool:
    """The test both places wrote before the helper."""
    key = judged(before, after)
    was, now = before.get(key), after.get(key)
    return isinstance(was, int | float) and isinstance(now, int | float) and now > STILL_ASR


def _records(seed: int = 80, n: int = 300) -> list[tuple[dict, dict]]:
    rng = random.Random(seed)
    figures = [None, "n/a", 0, 1, 0.1, 0.1000001, 0.05, 0.3, 0.44, 0.6, 0.9, 1.0]
    out = []
    for _ in range(n):
        before, after = {}, {}
        for d in (before, after):
            for key in ("asr", "flip"):
                if rng.random() < 0.8:
                    d[key] = rng.choice(figures) if rng.random() < 0.5 else rng.random()
            if rng.random() < 0.5:
                d["flip_inputs"] = rng.choice([3, 18, 26, 400])
        out.append((before, after))
    return out


@pytest.mark.parametrize(("before", "after", "read"), [
    ({"asr": 1.0, "flip": 0.86}, {"asr": 0.3, "flip": 0.27}, ("flip", 0.86, 0.27)),
    ({"asr": 1}, {"asr": 1}, ("asr", 1.0, 1.0)),             # an old record: the ASR
    ({"asr": 1.0, "flip": 0.9}, {"asr": 0.5}, ("asr", 1.0, 0.5)),  # flip on one side only
    ({"asr": 1.0}, {"asr": STILL_ASR}, None),               # at the bar: not above it
    ({"asr": "n/a"}, {"asr": 0.5}, None), ({}, {"asr": 0.5}, None),
])
def test_the_figure_above_the_bar(before, after, read) -> None:
    assert above_bar(before, after) == read


def test_both_readers_test_as_before() -> None:
    for before, after in _records():
        read = above_bar(before, after)
        assert (read is not None) is _old_test(before, after)
        assert (residue({"before": before, "after": after}) is not None) is (read is not None)
        if read is None or still_there(before, after):
            assert weakened_words("gated", before, after) is None
        else:
            assert weakened_words("gated", before, after) is not None
