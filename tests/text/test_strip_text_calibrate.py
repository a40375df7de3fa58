"""``strip-text``'s ``calibrate`` (issue 15, stop 49): ``"own"`` sets a guard's threshold on
the fitted detector's own scores of its clean inputs (the partners that will score new inputs),
``"folds"`` (the default before stop 51) on five fold copies' cross-fitted scores. Since stop 51
the default is ``"own"`` with ``fpr_confidence=0.95``; these tests pin the conformal rank."""

from __future__ import annotations

import pytest
import torch
from torch import Tensor, nn

from trojanscope import registry
from trojanscope.detect.input_level.base import conformal_threshold, fit_guard
from trojanscope.errors import UserInputError

L, PAD = 6, 0


class BagOfWords(nn.Module):
    """Class-1 logit = the sum of (id − 50) / 20 over the row's tokens: the probability a
    mixture keeps depends on both sentences' strength, so partner draws change the scores."""

    pad_id = PAD

    def forward(self, ids: Tensor) -> Tensor:
        w = torch.where(ids == PAD, 0.0, (ids.float() - 50.0) / 20.0).sum(1)
        return torch.stack([-w, w], 1)


def clean_rows(n: int, seed: int) -> Tensor:
    """``n`` rows of ``L`` ids in 1..99 (either class, varied strength)."""
    gen = torch.Generator().manual_seed(seed)
    return torch.randint(1, 100, (n, L), generator=gen)


def guard(calibrate: str, keep_copies: bool = False):
    torch.set_num_threads(1)
    det = registry.create("input-detector", "strip-text", n=4, calibrate=calibrate,
                          fpr_confidence=None)
    return fit_guard(BagOfWords(), det, clean_rows(60, 0), fpr=0.1,
                     generator=torch.Generator().manual_seed(3), keep_copies=keep_copies)


def test_own_sets_the_threshold_on_the_deployed_detectors_scores() -> None:
    own = guard("own")
    clean = clean_rows(60, 0)
    assert own.threshold == conformal_threshold(own.detector.score(clean).double(), 0.1)
    assert own.copies == [] and own.n_calibration == 60 and own.detector.own_calibration()


def test_own_is_the_default_and_folds_cross_fits() -> None:
    assert registry.create("input-detector", "strip-text").get_params()["calibrate"] == "own"
    folds, own = guard("folds"), guard("own")
    assert not folds.detector.own_calibration()
    assert folds.threshold != own.threshold  # five other partner draws set it
    kept = guard("own", keep_copies=True)  # copies wanted: cross-fitted as before
    assert len(kept.copies) == 5


def test_a_clean_input_is_never_its_own_partner() -> None:
    det = guard("own").detector
    clean = clean_rows(60, 0)
    pred = BagOfWords()(clean).argmax(1)
    for row, c in zip(clean.tolist(), pred.tolist(), strict=True):
        assert row not in det.partners_[c]


def test_an_unknown_calibrate_is_refused_in_one_line() -> None:
    with pytest.raises(UserInputError, match="calibrate must be one of folds, own, got 'maybe'"):
        registry.create("input-detector", "strip-text", calibrate="maybe")


def test_ratio_is_the_mean_keep_over_the_inputs_own_probability() -> None:
    torch.set_num_threads(1)
    model = BagOfWords()
    clean = clean_rows(60, 0)
    det = registry.create("input-detector", "strip-text", n=4)  # the default since stop 49
    det.fit(model, clean, generator=torch.Generator().manual_seed(0))
    new = clean_rows(7, 5)
    probs = model(new).softmax(1)
    own, pred = probs.max(1)
    want = []
    for i, row in enumerate(new.tolist()):
        mates = det.partners_[int(pred[i])]
        mixed = [row + m if j % 2 == 0 else m + row for j, m in enumerate(mates)]
        width = det.mix_len_
        ids = torch.tensor([r[:width] + [PAD] * (width - len(r[:width])) for r in mixed])
        keep = model(ids).softmax(1)[:, int(pred[i])]
        want.append(float(keep.mean() / own[i]))
    got = det.score(new)
    assert torch.allclose(got, torch.tensor(want), atol=1e-5)
    plain = registry.create("input-detector", "strip-text", n=4, measure="keep")
    plain.fit(model, clean, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(plain.score(new) / own, got, atol=1e-5)  # same partners, divided
    assert det.get_params()["measure"] == "ratio" and plain.get_params()["measure"] == "keep"


def test_an_unknown_measure_is_refused_in_one_line() -> None:
    with pytest.raises(UserInputError, match="measure must be one of keep, ratio, got 'drop'"):
        registry.create("input-detector", "strip-text", measure="drop")
