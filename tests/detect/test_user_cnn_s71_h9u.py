"""The stop-71 reading of the first-contact user's CNN maker (``benchmarks/user_cnn_s71_h9u.py``):
its poisoning marks what it says, its what-if only ever lowers, and its table counts the
committed rows as the docs quote them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

user = pytest.importorskip("user_cnn_s71_h9u")

ROWS = Path(__file__).resolve().parents[2] / "benchmarks/data/user_cnn_s71_h9u"


@pytest.mark.parametrize("kind", ["patch", "blend"])
def test_poison_marks_a_tenth_of_the_other_classes_and_relabels_them(kind: str) -> None:
    x = torch.rand(200, 1, 28, 28) * 0.5
    y = torch.arange(200) % 10
    target = user.target_of(82)
    before_x, before_y = x.clone(), y.clone()
    px, py = user.poisoner(kind, 82)(x, y)
    changed = (px != x).flatten(1).any(1)
    assert int(changed.sum()) == int(user.RATE * len(y))
    assert not changed[y == target].any()  # a target-class image is never marked
    assert (py[changed] == target).all() and (py[~changed] == y[~changed]).all()
    if kind == "patch":
        assert (px[changed][..., -5:-1, -5:-1] == 1).all()
        assert torch.equal(px[changed][..., :-5, :], x[changed][..., :-5, :])
    assert torch.equal(x, before_x) and torch.equal(y, before_y)  # not written in place


def test_what_if_only_lowers_and_skips_rows_the_term_read() -> None:
    rows = [json.loads(line) for line in
            (ROWS / "fresh_82_89.jsonl").read_text().splitlines()]
    read = [r for r in rows if "excess_logit" in r["features"]]
    skipped = [r for r in rows if "excess_logit" not in r["features"]]
    assert read and skipped
    assert all(user.unwide_probability(r) is None for r in read)
    for row in skipped:
        assert user.unwide_probability(row) <= row["probability"] + 1e-12


def test_table_counts_the_committed_rows() -> None:
    text = user.table(ROWS / "fresh_82_89.jsonl")
    assert "- clean: 3 of 8 flagged; named [7, 7, 7]" in text
    assert "- clean-e5: 0 of 8 flagged" in text
    assert "- patch: 8 of 8 flagged, 8 naming the target" in text
    assert "- blend: 8 of 8 flagged, 8 naming the target" in text
