"""ABL's ``majority_label="auto"`` (issue 12, stop 49): the most-frequent-label filter is kept
only when that label holds more than half of the isolation pool (all-to-one poison); a pool
spread over the labels (all-to-all poison) is unlearnt whole. ``True`` filters always, as before."""

from __future__ import annotations

import pytest
import torch

from trojanscope import registry
from trojanscope.defences import abl as abl_module
from trojanscope.defences import create_defence
from trojanscope.engine import Trainer
from trojanscope.errors import UserInputError

torch.set_num_threads(1)


def _build(data):
    from trojanscope.models import create_model

    return lambda seed: create_model("mlp", data.input_shape, data.num_classes)


def _pool(labels: torch.Tensor, per_label: dict[int, int]) -> torch.Tensor:
    """``per_label[c]`` samples of label ``c``."""
    return torch.cat([torch.nonzero(labels == c).flatten()[:n] for c, n in per_label.items()])


def _run(data, monkeypatch, pool: torch.Tensor, majority_label):
    monkeypatch.setattr(abl_module, "detector_isolation", lambda d, seed, **_: pool)
    return create_defence("abl", majority_label=majority_label, pool_check=False).train(
        _build(data), data, Trainer(epochs=1, batch_size=64, seed=3))


def _labels(data) -> list[int]:
    counts = torch.bincount(data.labels)
    return [int(c) for c in torch.argsort(counts, descending=True)[:4]]


def test_auto_unlearns_a_spread_pool_whole(tiny_train, monkeypatch) -> None:
    a, b, c, d = _labels(tiny_train)
    pool = _pool(tiny_train.labels, {a: 2, b: 2, c: 2, d: 2})
    outcome = _run(tiny_train, monkeypatch, pool, "auto")
    assert sorted(outcome.flagged) == sorted(pool.tolist())
    assert outcome.details["majority_share"] == 0.25
    assert outcome.details["majority_filter"] is False and outcome.details["isolated"] == 8
    # the old behaviour (true) keeps one label's two samples of the same pool
    old = _run(tiny_train, monkeypatch, pool, True)
    assert old.details["isolated"] == 2 and old.details["majority_filter"] is True


def test_auto_keeps_the_filter_when_one_label_holds_a_majority(tiny_train, monkeypatch) -> None:
    a, b, c, _ = _labels(tiny_train)
    pool = _pool(tiny_train.labels, {a: 6, b: 1, c: 1})
    auto = _run(tiny_train, monkeypatch, pool, "auto")
    old = _run(tiny_train, monkeypatch, pool, True)
    assert auto.details["majority_share"] == 0.75 and auto.details["majority_filter"] is True
    assert sorted(auto.flagged) == sorted(old.flagged) == sorted(pool[:6].tolist())


def test_auto_at_exactly_half_unlearns_the_whole_pool(tiny_train, monkeypatch) -> None:
    a, b, c, _ = _labels(tiny_train)
    pool = _pool(tiny_train.labels, {a: 4, b: 2, c: 2})
    outcome = _run(tiny_train, monkeypatch, pool, "auto")
    assert outcome.details["majority_share"] == 0.5 and outcome.details["isolated"] == 8


def test_false_never_filters_and_records_no_share(tiny_train, monkeypatch) -> None:
    a, b, _, _ = _labels(tiny_train)
    pool = _pool(tiny_train.labels, {a: 6, b: 1})
    outcome = _run(tiny_train, monkeypatch, pool, False)
    assert outcome.details["isolated"] == 7 and "majority_share" not in outcome.details


@pytest.mark.parametrize(("value", "want"), [(True, True), (False, False), ("auto", "auto"),
                                             (1, True), (0, False)])
def test_majority_label_values(value, want) -> None:
    assert create_defence("abl", majority_label=value).majority_label == want


@pytest.mark.parametrize("value", ["maybe", "AUTO", 2])
def test_a_bad_majority_label_is_one_error_line(value) -> None:
    with pytest.raises(UserInputError, match="majority_label must be true/false, 1/0 or auto"):
        registry.create("defence", "abl", majority_label=value)
