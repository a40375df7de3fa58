"""``avoid_target=0`` / ``=1`` read as false / true, as every on/off option reads 1/0 (stop 78
read-through, hrev: a bare ``0`` was kept as 0, which is not ``False``, so the trigger read the
rows as ``auto`` does, against docs/tabular.md's "false turns it off")."""

from __future__ import annotations

import pytest

from trojanscope.errors import UserInputError
from trojanscope.triggers.tabular import FeatureValueTrigger


@pytest.mark.parametrize(("given", "kept"), [(0, False), (1, True), (0.0, False), (False, False),
                                             (True, True), ("auto", "auto")])
def test_one_and_zero_are_true_and_false(given: object, kept: object) -> None:
    trigger = FeatureValueTrigger(avoid_target=given)
    assert trigger.avoid_target is kept if isinstance(kept, bool) else trigger.avoid_target == kept
    assert trigger.wants_rows() is (kept is not False)


@pytest.mark.parametrize("given", [2, -1, "yes", "AUTO", None])
def test_another_value_is_refused(given: object) -> None:
    with pytest.raises(UserInputError, match="avoid_target is true, false or auto"):
        FeatureValueTrigger(avoid_target=given)
