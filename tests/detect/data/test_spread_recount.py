"""``spread_recount``: with the all-to-all signature, the spread cut applied once more on the
early agreement counted over neighbours not already flagged (carriers of one all-to-all pair
agree with their given label through their flagged pair-mates; issue 13, stop 40b)."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

from trojanscope.detect.data.auto import AutoData
from trojanscope.detect.data.neighbours import agreement_among, label_agreement


def test_agreement_among_counts_only_the_counted_neighbours():
    # two tight groups on a line: 0-4 (label 0) and 5-9 (label 1, except sample 9 labelled 0)
    emb = torch.tensor([[0.0], [0.1], [0.2], [0.3], [0.4], [5.0], [5.1], [5.2], [5.3], [5.4]])
    labels = torch.tensor([0, 0, 0, 0, 0, 1, 1, 1, 1, 0])
    everyone = torch.ones(10, dtype=torch.bool)
    assert torch.allclose(agreement_among(emb, labels, 4, everyone),
                          label_agreement(emb, labels, 4))
    counted = everyone.clone()
    counted[[1, 2]] = False  # two of sample 0's four neighbours no longer support it
    got = agreement_among(emb, labels, 4, counted)
    assert got[0].item() == pytest.approx(0.5)
    assert got[5].item() == pytest.approx(0.75)  # its neighbours 6, 7, 8 (and 9, label 0)


def _views(all_to_all: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Early agreement, spectral z and the agreement over unflagged neighbours of 40 samples:
    0-19 disagree (agreement 0.2), of which 0-14 (all-to-all) or 0-4 (not) stand out (z 12);
    20-23 agree at 0.85 through flagged pair-mates (0.55 without them) at z 12, 24-25 the
    same at z 3 (under ``spread_z``), 26-39 are plain (agreement 0.95, z 1 or, for 38-39, z
    12 with agreement 0.95 over unflagged neighbours: typical of their class)."""
    agree = np.r_[np.full(20, 0.2), np.full(6, 0.85), np.full(14, 0.95)]
    spectral = np.r_[np.full(15 if all_to_all else 5, 12.0),
                     np.full(15 if not all_to_all else 5, 1.0),
                     np.full(4, 12.0), 3.0, 3.0, np.full(12, 1.0), 12.0, 12.0]
    unflagged = np.r_[np.full(20, 0.2), np.full(6, 0.55), np.full(14, 0.95)]
    return agree, spectral, unflagged


def test_with_the_signature_the_recount_flags_the_pair_mates():
    agree, spectral, unflagged = _views(True)
    seen = []

    def recount(both: np.ndarray) -> np.ndarray:
        seen.append(np.flatnonzero(both).tolist())
        return unflagged

    default = AutoData().both_views(agree, spectral)
    got = AutoData(spread_recount=True).both_views(agree, spectral, recount)
    assert np.flatnonzero(default).tolist() == list(range(15))
    assert np.flatnonzero(got).tolist() == [*range(15), 20, 21, 22, 23]
    assert seen == [list(range(15))]  # recounted from the first pass's flags


def test_without_the_signature_nothing_changes():
    """All-to-one sets (no all-to-all signature) keep their flags: the recount is not asked."""
    agree, spectral, _ = _views(False)

    def recount(both: np.ndarray) -> np.ndarray:
        raise AssertionError("recounted without the signature")

    default = AutoData().both_views(agree, spectral)
    assert np.array_equal(AutoData(spread_recount=True).both_views(agree, spectral, recount),
                          default)
    assert np.flatnonzero(default).tolist() == list(range(5))


def test_recounter_only_with_the_option():
    emb = torch.zeros(4, 2)
    labels = torch.tensor([0, 0, 1, 1])
    assert AutoData().recounter(emb, labels, np.zeros(4, dtype=bool)) is None
    recount = AutoData(spread_recount=True, k=1).recounter(
        torch.tensor([[0.0], [0.1], [5.0], [5.1]]), labels, np.array([True, False, False, False]))
    # sample 1's one neighbour (0) is flagged; sample 3's (2) is flagged by the pass given
    assert recount(np.array([False, False, True, False])).tolist() == [1.0, 0.0, 1.0, 0.0]


@pytest.mark.parametrize("value", ["yes", 2])
def test_spread_recount_is_checked(value):
    with pytest.raises(ValueError, match=re.escape("spread_recount")):
        AutoData(spread_recount=value)


def test_agreement_among_edge_cases():
    """No counted neighbour gives 0 (the share is over ``k``, never over the counted ones: no
    division by zero); a ``k`` past the set or the class divides by ``k`` as
    :func:`label_agreement` does; the chunking does not change it (issue 13 review, hR3)."""
    emb = torch.tensor([[0.0], [0.1], [0.2], [5.0], [5.1]])
    labels = torch.tensor([0, 0, 0, 1, 1])
    nobody = torch.zeros(5, dtype=torch.bool)
    assert agreement_among(emb, labels, 2, nobody).tolist() == [0.0] * 5
    everyone = torch.ones(5, dtype=torch.bool)
    for k in (3, 10):  # past class 1's size (2), past the set's (5)
        got = agreement_among(emb, labels, k, everyone)
        assert torch.isfinite(got).all()
        assert torch.allclose(got, label_agreement(emb, labels, k))
    assert agreement_among(emb, labels, 10, everyone)[0].item() == pytest.approx(0.2)
    counted = torch.tensor([True, False, True, True, False])
    assert torch.equal(agreement_among(emb, labels, 2, counted, chunk=2),
                       agreement_among(emb, labels, 2, counted))
    assert agreement_among(emb[:1], labels[:1], 3, everyone[:1]).tolist() == [0.0]


def test_the_recount_only_adds_flags_on_planted_all_to_all():
    """On planted all-to-all features (the signature holds), the recount keeps every flag of
    the default and leaves it identical when off."""
    from .test_all_to_all import planted_all_to_all

    feats, _, _ = planted_all_to_all(1)
    scores, flagged = AutoData(confusion=False).run(feats)
    off_scores, off = AutoData(confusion=False, spread_recount=False).run(feats)
    assert np.array_equal(off, flagged) and np.array_equal(off_scores, scores)
    _, on = AutoData(confusion=False, spread_recount=True).run(feats)
    assert np.isin(flagged, on).all()
