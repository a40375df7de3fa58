"""The order search's reach diagnostic (``benchmarks/text_order_reach.py``, issue 15 stop 39):
its default variant is the detector's own feature, and a variant leaves the search's constants
as it found them."""

from __future__ import annotations

import pytest

from trojanscope.detect import text_order

from .test_text_order import planted, sentences


def test_the_plain_variant_is_the_detectors_feature_and_constants_are_restored(
    load_benchmark,
) -> None:
    reach = load_benchmark("text_order_reach")
    model = planted(ordered=True)
    ids, labels = sentences()
    want = text_order.order_asymmetry(model, *text_order.order_inputs(model, ids, labels, 2))
    assert reach.variant_order(model, ids, labels, 2, 0, 0, 4) == pytest.approx(want["tp_order"])
    reach.variant_order(model, ids, labels, 2, 3, 10, 6)
    assert text_order.LENGTH == 4
    assert text_order.leaning_to is reach.leaning_to
