"""Candidate S82 (issue 16 stop 82, h16n): a tree's trigger line read against the clean
reference's split thresholds (``name_splits``), the contrast on trees only
(``contrast_networks``), and ``references=N`` reused by the contrast's reference."""

from __future__ import annotations

import pytest
import torch

from trojanscope.detect.tabular_contrast_naming import clean_reference
from trojanscope.detect.tabular_search import Candidate, TabularSearch
from trojanscope.detect.tree_split_naming import band_of, cut_alike, named_by_splits
from trojanscope.errors import UserInputError


class Cut(torch.nn.Module):
    """Class 0's logit: ``weights`` times the columns, less 3; its split thresholds per column
    are ``cuts``, as a tree's."""

    def __init__(self, weights: list[float], cuts: dict[int, list[float]]) -> None:
        super().__init__()
        self.w, self.cuts = torch.tensor(weights), cuts

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.stack([x @ self.w - 3.0, torch.zeros(len(x))], dim=1)

    def split_points(self) -> dict[int, list[float]]:
        return {f: [*c, *c] for f, c in self.cuts.items()}  # repeats, as a booster's


# columns: the categories ``a`` (0) and ``b`` (1 and 2: its values "1" and "2"), the numbers ``n``
# (3) and ``m`` (4); the search's numeric values are the midpoints of the suspect's bands
A1, B1, B2 = (Candidate("a", "1", [0], [1.0]), Candidate("b", "1", [1, 2], [1.0, 0.0]),
              Candidate("b", "2", [1, 2], [0.0, 1.0]))
N = Candidate("n", "0.25", [3], [0.25], numeric=True, span="0.2 < n <= 0.3")
M = Candidate("m", "0.55", [4], [0.55], numeric=True, span="0.5 < m <= 0.6")
CANDS = [A1, B1, B2, N, M]
# the suspect: ``a`` lifts class 0 as in the reference (natural), ``b = 1`` less than there,
# ``b = 2`` and ``m`` beyond it (the trigger's); the reference cuts ``n``'s band as the
# suspect, not ``m``'s
SUSPECT = Cut([2.0, 2.0, 3.0, 1.0, 4.0], {3: [0.2, 0.3], 4: [0.5, 0.6]})
REFERENCE = Cut([2.0, 3.0, 0.0, 1.0, 0.0], {3: [0.2, 0.3], 4: [0.4, 0.7]})


def test_a_band_is_cut_alike_by_the_same_two_thresholds_or_one_inside() -> None:
    own = [0.1, 0.2, 0.3]
    assert band_of(own, 0.25) == (0.2, 0.3) and band_of(own, 0.05) == (None, 0.1)
    assert band_of(own, 0.35) == (0.3, None)
    assert cut_alike(own, [0.1, 0.2, 0.3], 0.25) and cut_alike(own, [0.25], 0.25)
    assert cut_alike(own, [0.3], 0.35)  # one side open in both
    assert not cut_alike(own, [0.1, 0.3], 0.25)  # the reference's band is wider
    assert not cut_alike(own, [0.2], 0.25) and not cut_alike(own, [], 0.25)


def test_a_number_the_reference_cuts_alike_gives_way_to_one_it_does_not() -> None:
    x = torch.zeros(5, 5)
    line = named_by_splits(SUSPECT, REFERENCE, x, 0, CANDS, [A1, N], [A1, N], 4)
    # ``n``: cut alike and no rise beyond the reference, dropped; ``m`` takes its place
    assert line == [A1, M]
    # a number cut alike that does turn the suspect beyond the reference stays
    turned = Cut([2.0, 2.0, 3.0, 5.0, 4.0], SUSPECT.cuts)
    assert named_by_splits(turned, REFERENCE, x, 0, CANDS, [A1, N], [A1, N], 4) == [A1, N, M]
    # never more than ``steps`` values; nothing to read on an empty row set
    assert named_by_splits(SUSPECT, REFERENCE, x, 0, CANDS, [A1, B1], [A1, B1], 2) == [A1, B2]
    assert named_by_splits(SUSPECT, REFERENCE, x[:0], 0, CANDS, [A1, N], [A1, N], 4) == [A1, N]


def test_a_greedy_category_the_reference_follows_gives_way_to_its_columns_strongest() -> None:
    x = torch.zeros(5, 5)
    line = named_by_splits(SUSPECT, REFERENCE, x, 0, CANDS, [B1, A1], [B1, A1], 4)
    assert line[:2] == [B2, A1] and line[2:] == [M]  # ``a`` has no stronger value: it stays
    # a category the contrast put on the line (not the greedy's) is not replaced
    assert named_by_splits(SUSPECT, REFERENCE, x, 0, CANDS, [B1], [], 4)[0] == B1
    # nor one the reference turns more by less than the margin (0.01 of the mean probability)
    near = Cut([2.0, 2.05, 0.0, 1.0, 0.0], REFERENCE.cuts)
    assert named_by_splits(SUSPECT, near, x, 0, CANDS, [B1], [B1], 4)[0] == B1


def test_a_reference_without_thresholds_leaves_the_line() -> None:
    x = torch.zeros(5, 5)
    linear = torch.nn.Linear(5, 2)
    assert named_by_splits(SUSPECT, linear, x, 0, CANDS, [A1, N], [A1, N], 4) == [A1, N]


class FakeTree(torch.nn.Module):
    library = "lightgbm"

    def leaf_records(self, *_args):  # a tree, as ``clean_reference`` tells one
        return []


def test_the_contrast_reuses_the_references_trained_already() -> None:
    x, y = torch.rand(20, 5), torch.randint(0, 2, (20,))
    first = torch.nn.Linear(5, 2)
    assert clean_reference(FakeTree(), x, y, 2, 0, REFERENCE, trained=[first]) is first
    # another library's tree: the fallback, whatever was trained
    other = FakeTree()
    other.library = "sklearn"
    assert clean_reference(other, x, y, 2, 0, REFERENCE, trained=[first]) is REFERENCE


def test_a_network_without_the_contrast_keeps_the_greedys_line() -> None:
    search = TabularSearch(contrast_networks=False)
    named = [A1, N]
    line = search.contrast_words(None, torch.zeros(3, 5), torch.zeros(3), 0, REFERENCE, [],
                                 False, torch.zeros(3, 5), 0, CANDS, named)
    assert line is named


@pytest.mark.parametrize("name", ["contrast_networks", "name_splits"])
@pytest.mark.parametrize("bad", [2, "yes", 0.5])
def test_not_a_boolean_is_one_error(name, bad) -> None:
    with pytest.raises(UserInputError, match=name):
        TabularSearch(**{name: bad})


def test_splits_with_the_other_naming_is_one_error() -> None:
    with pytest.raises(UserInputError, match="give one"):
        TabularSearch(name_splits=True, name_categories=True)
    # the other naming asked for turns the splits' default off rather than failing
    asked = TabularSearch(name_categories=True)
    assert asked.name_splits is False
    assert TabularSearch(**asked.get_params()).name_splits is False
    assert TabularSearch(name_contrast=False).name_splits is False


def test_both_stay_opt_in_since_the_rule_was_not_met() -> None:
    # rule S82 (issue 16 stop 82): one MLP run lost with the contrast off on networks
    assert TabularSearch.contrast_networks_default is True
    assert TabularSearch.name_splits_default is False
    assert TabularSearch().contrast_networks is True and TabularSearch().name_splits is False
    assert TabularSearch(name_splits=1).name_splits is True
    assert TabularSearch(contrast_networks=0).contrast_networks is False


@pytest.mark.slow
def test_name_splits_changes_the_words_only_and_references_reuse_the_contrasts(searched) -> None:
    _, plain = searched("xgboost", 0)  # the default: the contrast, no split reading
    _, split = searched("xgboost", 0, name_splits=True)
    assert split.features == plain.features and split.statistic == plain.statistic
    assert split.target_classes == plain.target_classes
    t = plain.target_classes[0]
    assert 1 <= len(split.trigger_text[t].split(" and ")) <= 4
    assert all(split.trigger_text[c] == plain.trigger_text[c] for c in plain.trigger_text
               if c != t)
    # ``references=1``: its tree is the contrast's reference, so the line is the default's
    _, refd = searched("xgboost", 0, references=1)
    assert refd.trigger_text == plain.trigger_text
