"""Stop 82 review (hrev): ``tabular-search``'s ten on/off options go through one check
(``_flag``), where each wrote "not in (True, False): one error line" itself (stop 82's
``contrast_networks`` and ``name_splits`` the ninth and tenth). Each still refuses what is not
a boolean in one line naming it, takes 1 / 0 as on / off, and the two that may be unset still
take None."""

from __future__ import annotations

import pytest

from trojanscope.detect.tabular_search import TabularSearch
from trojanscope.errors import UserInputError

FLAGS = ["reference_sampling", "size_calibration", "sure_order", "sure_rows", "twin_order",
         "name_categories", "name_contrast", "contrast_networks", "name_splits", "lever_order"]
# the other naming off where one naming is asked for (two namings are refused together)
ALONE = {"name_categories": {"name_contrast": False, "name_splits": False},
         "name_contrast": {"name_categories": False},
         "name_splits": {"name_categories": False}}


@pytest.mark.parametrize("name", FLAGS)
@pytest.mark.parametrize("bad", [2, "yes", 0.5, "no"])
def test_not_a_boolean_is_one_error_naming_the_option(name, bad) -> None:
    with pytest.raises(UserInputError, match=f"tabular-search: {name} must be true or false"):
        TabularSearch(**{name: bad})


@pytest.mark.parametrize("name", FLAGS)
def test_one_and_zero_are_on_and_off(name) -> None:
    on = TabularSearch(**{name: 1, **ALONE.get(name, {})})
    off = TabularSearch(**{name: 0})
    assert getattr(on, name) is True and getattr(off, name) is False


@pytest.mark.parametrize("name", ["sure_rows", "twin_order"])
def test_unset_stays_unset(name) -> None:
    assert getattr(TabularSearch(**{name: None}), name) is None
