"""The development scorer of stop 35 (``benchmarks/text_lift_arch_score.py``): the reference
table is refitted on each fold's training rows (their clean models only) and applied to the
held-out rows alike, so that a held-out recipe or zoo never informs its own standardisation."""

from __future__ import annotations

import pytest

from trojanscope.detect.evaluate import ZooRow


def row(name: str, bad: bool, lift: float) -> ZooRow:
    return ZooRow(
        name,
        bad,
        "sentence" if bad else None,
        1 if bad else None,
        0.5,
        0.0,
        None,
        0.0,
        {"tp_lift": lift, "tp_lift_margin": 2 * lift},
    )


def test_the_reference_is_refitted_on_the_training_rows_clean_models(load_benchmark) -> None:
    las = load_benchmark("text_lift_arch_score")
    train = [
        row("c1", False, 1.0),
        row("c2", False, 2.0),
        row("c3", False, 3.0),
        row("b1", True, 50.0),
    ]  # a backdoored training row does not enter the table
    held = row("h", False, 100.0)  # nor does the held-out row
    seen: dict = {}

    def make(rows):
        seen["train"] = rows
        return lambda r: r.features["tp_lift_arch"]

    score = las.with_reference(make, lambda r: "kim-cnn")(train)
    assert score(held) == pytest.approx((100.0 - 2.0) / 1.0)
    assert [r.features["tp_lift_arch"] for r in seen["train"]] == pytest.approx(
        [-1.0, 0.0, 1.0, 48.0]
    )
    assert seen["train"][0].features["tp_lift_margin_arch"] == pytest.approx(-1.0)
    assert "tp_lift_arch" not in train[0].features  # the rows read are not changed
    # a row whose architecture is not named keeps its raw lifts only
    plain = las.with_reference(make, lambda r: None)
    with pytest.raises(KeyError):
        plain(train)(held)
