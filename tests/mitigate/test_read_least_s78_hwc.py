"""``gated``'s ``read_least`` (issue 12, stop 78 hwc): the detector reads the method's share
topped up from the held-out samples to N (stratified, seeded); the method still trains on its
share, the figures are still read on the held-out samples, and the note says what the detector
read. On a user's 200-image file the share is 100 images, and on a weak backdoor the class the
detector names moved with them (stop 77: class 6 on the share, 0 on all 200)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch
from torch import nn

from trojanscope import registry
from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import ClassResult, ModelVerdict
from trojanscope.errors import UserInputError
from trojanscope.mitigate import gated
from trojanscope.mitigate.read_least import reading_set
from trojanscope.mitigate.run import mitigate

NAMES = tuple("abcdefghij")


def _data(n: int, start: int = 0) -> TensorDataset:
    """``n`` 8x8 images, labels cycling through ten classes, pixels numbered from ``start``."""
    x = (torch.arange(start, start + n, dtype=torch.float32) / 1000).view(n, 1, 1, 1)
    return TensorDataset(x.expand(n, 1, 8, 8).clone(), torch.arange(n) % 10, NAMES, "c")


def test_the_share_is_topped_up_from_the_held_out_samples() -> None:
    share, held = _data(100), _data(300, 100)
    read, added = reading_set(SimpleNamespace(read_least=200, held_offered_=held), share, 0)
    assert (len(read), added) == (200, 100)
    assert torch.equal(read.x[:100], share.x)  # the share first, whole
    assert torch.bincount(read.y[100:]).tolist() == [10] * 10  # a stratified pick
    again, _ = reading_set(SimpleNamespace(read_least=200, held_offered_=held), share, 0)
    assert torch.equal(again.x, read.x)  # seeded
    small = _data(40, 100)  # fewer held out than the top-up wants: all of them
    assert reading_set(SimpleNamespace(read_least=200, held_offered_=small), share, 0)[1] == 40


@pytest.mark.parametrize("method", [
    SimpleNamespace(read_least=0, held_offered_=_data(100, 100)),  # the default: off
    SimpleNamespace(read_least=100, held_offered_=_data(100, 100)),  # the share holds N
    SimpleNamespace(read_least=200),  # nothing offered
    SimpleNamespace(read_least=200, held_offered_=TensorDataset(  # another input shape
        torch.rand(50, 1, 4, 4), torch.arange(50) % 10, NAMES, "c")),
])
def test_the_share_alone_where_nothing_fits(method) -> None:
    share = _data(100)
    read, added = reading_set(method, share, 0)
    assert read is share and added == 0


def test_only_a_method_with_the_option_is_offered_the_held_out_samples() -> None:
    """Through the declared hook ``Mitigation.offer_held`` (stop 79 review, hrev; before, a
    duck-typed ``read_least`` attribute)."""
    plain, reader = registry.create("mitigation", "ftsam"), registry.create("mitigation", "gated")
    plain.offer_held(_data(10))
    reader.offer_held(_data(10))
    assert not hasattr(plain, "held_offered_") and len(reader.held_offered_) == 10
    with pytest.raises(AttributeError):  # not a mitigation: no hook, not skipped quietly
        SimpleNamespace(read_least=0).offer_held(_data(10))  # type: ignore[attr-defined]


@pytest.mark.parametrize("bad", [-1, 2.5])
def test_a_bad_value_is_refused_in_one_line(bad) -> None:
    with pytest.raises(UserInputError, match="read_least must be a whole number"):
        registry.create("mitigation", "gated", read_least=bad)


def test_mitigate_gives_gateds_detector_the_held_out_samples(monkeypatch) -> None:
    """Through ``mitigate``: the detector reads 200 of a 200-sample file with read_least=200
    (100 without), the method's share stays 100, and the note says what was read."""
    seen: list[int] = []

    def verdict(_name, _model, clean, *_args):
        seen.append(len(clean))
        return ModelVerdict("auto", 0.0, [3, 1], [ClassResult(c, 0.0) for c in range(10)],
                            probability=0.0)  # under the gate: handed back, nothing trained

    monkeypatch.setattr(gated, "detector_verdict", verdict)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 10)).eval()
    for least, read in ((0, 100), (200, 200)):
        method = gated.Gated(read_least=least, stripe_gate=0, dense_gate=-1)
        result = mitigate(model, method, _data(200), holdout=0.5, seed=0)
        assert seen[-1] == read and result.clean_samples == 100
        assert ("detector_read" in method.report_) is (least > 0)
    assert method.report_["detector_read"].startswith(
        "200 clean samples: the method's 100 and 100 of the held-out ones")
