"""label-groups' five 0/1 switches go through one check (stop 79 lead's read: `twins` and
`collapse` had each written the check again): 0 and 1 are taken, anything else is one error
line naming the switch."""

from __future__ import annotations

import re

import pytest

from trojanscope.detect.data.label_groups import LabelGroups
from trojanscope.errors import UserInputError

SWITCHES = ("cells", "misfits", "tie_covers", "collapse", "twins")


@pytest.mark.parametrize("name", SWITCHES)
def test_a_switch_takes_0_and_1(name: str) -> None:
    assert getattr(LabelGroups(**{name: 1}), name) == 1
    assert getattr(LabelGroups(**{name: 0}), name) == 0


@pytest.mark.parametrize("name", SWITCHES)
@pytest.mark.parametrize("bad", [2, -1, True, 0.5, "1"])
def test_a_switch_refuses_the_rest_in_one_line(name: str, bad: object) -> None:
    with pytest.raises(UserInputError, match=rf"^label-groups: {name} is 0 \(off\) or 1 \(on\), "
                                             rf"not {re.escape(repr(bad))}$"):
        LabelGroups(**{name: bad})
