"""Candidate N79 (issue 16 stop 79, h16n): ``tabular-search``'s ``name_categories`` adds to the
suspected trigger the categories that turn its rows most, and changes the words only."""

from __future__ import annotations

import pytest
import torch

from trojanscope.detect.tabular_naming import with_categories
from trojanscope.detect.tabular_search import Candidate, TabularSearch
from trojanscope.errors import UserInputError


class Planted(torch.nn.Module):
    """Class 0 where the category ``b = 1`` (column 1) is set together with ``a = 1`` (column 0);
    the number in column 2 at 1 lifts class 0 on every row on its own."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        both = (x[:, 0] > 0.5) & (x[:, 1] > 0.5)
        lift = 4.0 * both.float() + 1.0 * (x[:, 1] > 0.5).float() + 2.5 * (x[:, 2] > 0.5).float()
        return torch.stack([lift - 3.0, torch.zeros(len(x))], dim=1)


def cands() -> list[Candidate]:
    return [Candidate("a", "1", [0], [1.0]), Candidate("b", "1", [1], [1.0]),
            Candidate("n", "1", [2], [1.0], numeric=True, span="0.5 < n <= 1")]


def test_the_categories_follow_the_greedys_values_on_other_columns() -> None:
    model, x = Planted(), torch.zeros(8, 3)
    search = TabularSearch(max_features=1)
    today = search.greedy(model, x, 0, cands())[1]
    assert [c.column for c in today] == ["n"]  # the number that moves rows on its own
    named = with_categories(TabularSearch(max_features=2).greedy, model, x, 0, cands(), today)
    assert [c.column for c in named] == ["n", "b", "a"]
    again = with_categories(search.greedy, model, x, 0, cands(), [cands()[1]])
    assert [c.column for c in again] == ["b"]  # a column already named is not named twice


def test_no_categories_or_no_rows_leave_the_named_set() -> None:
    numbers = [cands()[2]]
    greedy = TabularSearch().greedy
    assert with_categories(greedy, Planted(), torch.zeros(4, 3), 0, numbers, numbers) == numbers
    assert with_categories(greedy, Planted(), torch.zeros(0, 3), 0, cands(), []) == []


@pytest.mark.parametrize("bad", [2, "yes", 0.5])
def test_name_categories_not_a_boolean_is_one_error(bad) -> None:
    with pytest.raises(UserInputError, match="name_categories"):
        TabularSearch(name_categories=bad)


def test_the_default_reads_the_class_value() -> None:
    assert TabularSearch().name_categories is TabularSearch.name_categories_default
    assert TabularSearch(name_categories=1).name_categories is True


@pytest.mark.slow
def test_name_categories_changes_the_words_only(searched) -> None:
    _, plain = searched("xgboost", 0, name_contrast=False)  # the greedy's line (stop 81)
    _, named = searched("xgboost", 0, name_categories=True)
    assert named.features == plain.features and named.statistic == plain.statistic
    assert named.target_classes == plain.target_classes
    t = plain.target_classes[0]
    assert named.trigger_text[t].startswith(plain.trigger_text[t])
    assert all(named.trigger_text[c] == plain.trigger_text[c] for c in plain.trigger_text if c != t)
