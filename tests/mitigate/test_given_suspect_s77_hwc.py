"""``gated``'s ``suspect=C`` (issue 12, stop 77 hwc): on a user's weak MLP run planted at 0 the
detector read on the method's share named class 6 and the stages treated 6 (ASR 42.22% ->
22.22%); ``suspect=0`` on the same share took it to 1.11%. The given class is put first in the
detector's ranking, the detector's own first class recorded; out-of-range values are refused
in one line."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from trojanscope import registry
from trojanscope.data.dataset import TensorDataset
from trojanscope.detect.base import ClassResult, ModelVerdict
from trojanscope.errors import UserInputError
from trojanscope.mitigate import gated
from trojanscope.mitigate.given_suspect import given_first


def _verdict(first: list[int]) -> ModelVerdict:
    """A flagged verdict over ten classes ranking ``first`` most suspicious."""
    per_class = [ClassResult(c, 0.0) for c in range(10)]
    return ModelVerdict("auto", 0.0, list(first), per_class, probability=0.99)


def test_the_given_class_goes_first_and_the_detectors_is_recorded() -> None:
    verdict, report = _verdict([6, 0, 4]), {}
    given_first(0, verdict, report)
    assert verdict.target_classes == [0, 6, 4]
    assert report["suspect_given"] == "class 0 (asked for); the detector's first class was 6"
    verdict, report = _verdict([6, 4]), {}
    given_first(9, verdict, report)  # not ranked at all: put first anyway
    assert verdict.target_classes == [9, 6, 4]
    verdict, report = _verdict([6, 4]), {}
    given_first(-1, verdict, report)  # the default: nothing
    assert verdict.target_classes == [6, 4] and report == {}
    with pytest.raises(UserInputError, match=r"suspect=10, but the model has 10 classes "
                                             r"\(0 to 9\)"):
        given_first(10, _verdict([6]), {})


@pytest.mark.parametrize("bad", [-2, 1.5])
def test_a_bad_value_is_refused_in_one_line(bad) -> None:
    with pytest.raises(UserInputError, match="suspect must be a whole number"):
        registry.create("mitigation", "gated", suspect=bad)


class _Stop(Exception):
    """Raised where the stages would start: what was decided before is read."""


def test_gated_treats_the_given_class(monkeypatch) -> None:
    def stop(*_args, **_kwargs):
        raise _Stop

    monkeypatch.setattr(gated, "detector_verdict", lambda *a, **k: _verdict([6, 0, 4]))
    monkeypatch.setattr(gated, "frozen_copy", stop)  # the stages' first copy
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 10)).eval()
    clean = TensorDataset(torch.rand(60, 1, 8, 8), torch.arange(60) % 10,
                          class_names=tuple("abcdefghij"), name="c")
    for given, first in ((-1, 6), (0, 0)):
        method = gated.Gated(suspect=given, dense_mask=0, dense_project=0, free_reach=0)
        assert method.get_params()["suspect"] == given
        with pytest.raises(_Stop):
            method.purify(model, clean, 0)
        assert method.report_["suspect"] == first
        assert ("suspect_given" in method.report_) is (given >= 0)


def test_a_class_the_model_lacks_is_refused_before_the_detector_runs(monkeypatch) -> None:
    """``suspect=99`` on a ten-class model: the one line comes before the detector's reading
    (seconds on a user's MLP, minutes on a CNN), not after it (stop 77 read-through, hrev)."""
    def no_detector(*_args, **_kwargs):
        raise AssertionError("the detector ran before the refusal")

    monkeypatch.setattr(gated, "detector_verdict", no_detector)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 10)).eval()
    clean = TensorDataset(torch.rand(60, 1, 8, 8), torch.arange(60) % 10,
                          class_names=tuple("abcdefghij"), name="c")
    method = gated.Gated(suspect=10, dense_mask=0, dense_project=0, free_reach=0)
    with pytest.raises(UserInputError, match=r"suspect=10, but the model has 10 classes"):
        method.purify(model, clean, 0)
