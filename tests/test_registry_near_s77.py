"""An unknown component parameter a valid one is close to gets "did you mean" after the valid
list (stop 77 first contact: ``--attack-param min_poison_row=10`` was told only the list)."""

from __future__ import annotations

import pytest

from trojanscope import registry
from trojanscope.errors import UserInputError
from trojanscope.registry import near_names


def test_a_typo_is_named_with_its_near_name() -> None:
    with pytest.raises(UserInputError) as caught:
        registry.create("attack", "tabular-badnets", min_poison_row=10)
    words = str(caught.value)
    assert "valid: " in words and "min_poison_rows," in words.split("valid: ")[1]
    assert words.endswith("; did you mean min_poison_rows?")
    with pytest.raises(UserInputError) as caught:
        registry.create("mitigation", "gated", aug_lst=8)
    assert str(caught.value).endswith("; did you mean aug_last?")


def test_a_name_near_nothing_gets_the_list_alone() -> None:
    assert near_names(["nope"], ["target", "poison_rate", "seed"]) == ""
    assert near_names(["sed", "targt"], ["target", "seed"]) == (
        "; did you mean seed for sed, target for targt?")
