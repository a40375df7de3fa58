"""Candidate R81 (issue 16 stop 81, h16n): ``tabular-search``'s ``name_contrast`` leads the
suspected trigger with the categories that turn its rows in the model beyond a clean reference
trained on the file, and changes the words only."""

from __future__ import annotations

import pytest
import torch

from trojanscope.detect.tabular_contrast_naming import (
    clean_reference,
    contrast_greedy,
    named_by_contrast,
)
from trojanscope.detect.tabular_search import Candidate, TabularSearch
from trojanscope.errors import UserInputError


class Lift(torch.nn.Module):
    """Class 0's logit: ``weights`` times the columns, less 3 (class 1's logit is 0)."""

    def __init__(self, weights: list[float]) -> None:
        super().__init__()
        self.w = torch.tensor(weights)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.stack([x @ self.w - 3.0, torch.zeros(len(x))], dim=1)


def cands() -> list[Candidate]:
    return [Candidate("a", "1", [0], [1.0]), Candidate("b", "1", [1], [1.0]),
            Candidate("c", "1", [2], [1.0]),
            Candidate("n", "1", [3], [1.0], numeric=True, span="0.5 < n <= 1")]


# the suspect lifts class 0 by ``a`` (natural: the clean reference does too), by ``b`` (the
# trigger: the reference does not) and most by the number ``n``
SUSPECT, REFERENCE = Lift([4.0, 3.0, 0.0, 6.0]), Lift([4.0, 0.0, 0.0, 6.0])


def test_the_contrast_takes_the_category_the_reference_does_not_follow() -> None:
    x = torch.zeros(6, 4)
    plain = TabularSearch(max_features=2).greedy(SUSPECT, x, 0, cands())[1]
    assert [c.column for c in plain] == ["n", "a"]  # today's line: the number, the natural one
    cats = [c for c in cands() if not c.numeric]
    assert [c.column for c in contrast_greedy(SUSPECT, REFERENCE, x, 0, cats, 1)] == ["b"]
    # with no reference to set against it is the plain greedy over the categories
    assert [c.column for c in contrast_greedy(SUSPECT, Lift([0.0] * 4), x, 0, cats, 1)] == ["a"]


def test_the_line_is_the_contrast_then_todays_values_numbers_cut_first() -> None:
    x, today = torch.zeros(6, 4), [cands()[3], cands()[0]]  # the number, then ``a``
    line = named_by_contrast(SUSPECT, REFERENCE, x, 0, cands(), today, 2)
    assert [c.column for c in line] == ["b", "a"]  # at most max_features: today's number cut
    line = named_by_contrast(SUSPECT, REFERENCE, x, 0, cands(), today, 4)
    assert [c.column for c in line] == ["b", "c", "n", "a"]
    assert named_by_contrast(SUSPECT, REFERENCE, x, 0, [cands()[3]], today, 4) == today
    assert named_by_contrast(SUSPECT, REFERENCE, torch.zeros(0, 4), 0, cands(), [], 4) == []


def test_a_category_on_todays_line_is_never_replaced() -> None:
    x = torch.zeros(6, 4)
    other_b = Candidate("b", "2", [2], [1.0])  # another value of ``b`` today names
    line = named_by_contrast(SUSPECT, REFERENCE, x, 0, [*cands(), other_b], [other_b], 1)
    assert line == [other_b]  # nothing free within one value: today's category stays
    line = named_by_contrast(SUSPECT, REFERENCE, x, 0, [*cands(), other_b], [other_b], 4)
    assert line[-1] == other_b and "b" not in {c.column for c in line[:-1]}


def test_a_network_reference_has_fresh_weights_and_its_shape() -> None:
    net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
    x, y = torch.rand(40, 4), torch.randint(0, 2, (40,))
    ref = clean_reference(net, x, y, 2, seed=3, fallback=REFERENCE)
    assert ref is not net and ref(x).shape == (40, 2)
    assert not torch.equal(ref[0].weight, net[0].weight)
    assert clean_reference(SUSPECT, x, y, 2, seed=3, fallback=REFERENCE) is REFERENCE


@pytest.mark.parametrize("bad", [2, "yes", 0.5])
def test_name_contrast_not_a_boolean_is_one_error(bad) -> None:
    with pytest.raises(UserInputError, match="name_contrast"):
        TabularSearch(name_contrast=bad)


def test_both_namings_asked_for_is_one_error() -> None:
    with pytest.raises(UserInputError, match="give one"):
        TabularSearch(name_contrast=True, name_categories=True)


def test_the_contrast_is_the_default_since_stop_81() -> None:
    assert TabularSearch.name_contrast_default is True
    assert TabularSearch().name_contrast is True
    assert TabularSearch(name_contrast=0).name_contrast is False
    # the other naming asked for turns the default off rather than failing
    asked = TabularSearch(name_categories=True)
    assert asked.name_categories is True and asked.name_contrast is False
    # a copy made from its parameters (the references' plain searches) stays valid
    assert TabularSearch(**asked.get_params()).name_contrast is False


@pytest.mark.slow
def test_name_contrast_changes_the_words_only(searched) -> None:
    _, plain = searched("xgboost", 0, name_contrast=False)
    _, named = searched("xgboost", 0)  # the default
    assert named.features == plain.features and named.statistic == plain.statistic
    assert named.target_classes == plain.target_classes
    t = plain.target_classes[0]
    words = named.trigger_text[t].split(" and ")
    assert len(words) <= 4
    # every category the greedy named stays on the line (the contrast reads other columns)
    assert all(w in words for w in plain.trigger_text[t].split(" and ") if " = " in w
               and "<" not in w and not w.split(" = ")[1].replace(".", "").isdigit())
    assert all(named.trigger_text[c] == plain.trigger_text[c] for c in plain.trigger_text if c != t)
