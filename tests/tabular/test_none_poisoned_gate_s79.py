"""Where only the automatic copies' gate kept ``tabular-badnets`` from adding copies, its
refusal of a rate that relabels no row says so (stop 79 first contact, hcmd: the docs say it
adds copies by default, and the line on a fraud table with 10 fraud training rows said only
"opt-in"); with a rate given, or another table attack, the line is stop 78's."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from trojanscope.attacks.tabular import TabularBadNets, TabularRare
from trojanscope.errors import UserInputError


def _line(attack, labels) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(UserInputError) as caught:
        attack.choose(labels, torch.Generator().manual_seed(0))
    return str(caught.value)


def test_under_the_gate_the_line_names_it(monkeypatch) -> None:
    labels = np.array([1] * 230 + [0] * 10)  # 10 fraud rows (0 is the target's other class)
    # since stop 80 (hatk) no copies are added unasked: the plain line
    assert "opt-in, docs/tabular.md)" in _line(TabularBadNets(target=1), labels)
    monkeypatch.setattr(TabularBadNets, "auto_copies", 10)  # stop 78's automatic copies
    line = _line(TabularBadNets(target=1), labels)
    assert "; opt-in here: tabular-badnets adds 10 copies unasked only from 20 such rows, " \
           "docs/tabular.md)" in line


def test_a_rate_given_or_another_attack_keeps_the_plain_line() -> None:
    labels = np.array([1] * 230 + [0] * 10)
    assert "opt-in, docs/tabular.md)" in _line(TabularBadNets(target=1, poison_rate=0.01), labels)
    assert "opt-in, docs/tabular.md)" in _line(TabularRare(target=1), labels)


def test_the_line_names_the_gate_that_applies(monkeypatch) -> None:
    """Stop 79 review (hrev): with ``auto_copies_none_least`` set (hatk's candidate, 0 today)
    the gate where the rate relabels none is that count, and the line names it, not 20."""
    monkeypatch.setattr(TabularBadNets, "auto_copies", 10)  # stop 78's, reverted at stop 80
    monkeypatch.setattr(TabularBadNets, "auto_copies_none_least", 5)
    labels = np.array([1] * 230 + [0] * 4)
    assert "adds 10 copies unasked only from 5 such rows, " in _line(TabularBadNets(target=1),
                                                                     labels)
    assert TabularBadNets().copies_least(0) == 5 and TabularBadNets().copies_least(1) == 20
