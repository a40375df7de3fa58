"""``zoo make --targets``: backdoor targets drawn among chosen classes only (issue 16 stop 38),
so a table whose class-0 backdoors are always inert (lending-club) spends no model on them."""

from __future__ import annotations

from pathlib import Path

import pytest

from trojanscope.errors import UserInputError
from trojanscope.zoo import draw_entries

KW = {
    "attacks": ["tabular-badnets", "tabular-rare"],
    "archs": ["mlp", "xgboost"],
    "arch_variants": True,
    "tree_subsample": 0.8,
}


def test_targets_are_drawn_among_the_chosen_classes_and_nothing_else_changes() -> None:
    plain = draw_entries(2, 30, 3, 3120, **KW)
    assert {e.target for e in plain if e.backdoored} == {0, 1, 2}  # the old draw: every class
    only = draw_entries(2, 30, 3, 3120, **KW, targets=[1])
    assert {e.target for e in only if e.backdoored} == {1}
    pair = draw_entries(2, 30, 3, 3120, **KW, targets=[0, 2])
    assert {e.target for e in pair if e.backdoored} == {0, 2}
    assert pair == draw_entries(2, 30, 3, 3120, **KW, targets=[0, 2])  # seeded
    for a, b in zip(plain, only, strict=True):  # the rest of the population is the same
        b.target = a.target
        assert a == b


@pytest.mark.parametrize("targets", [[2], [-1], [], [1, 1]])
def test_a_bad_target_list_is_one_error(targets: list[int]) -> None:
    with pytest.raises(UserInputError, match="--targets"):
        draw_entries(1, 2, 2, 0, **KW, targets=targets)


@pytest.mark.parametrize(
    "value", ["2", "one", "1,x", "+1", " 1 ", "0, 1", "\uff11", "1_0", "\u0661", ""]
)
def test_zoo_make_refuses_bad_targets_before_writing(value: str, tmp_path: Path, capsys) -> None:
    from trojanscope.cli.main import run

    out = tmp_path / "zoo"
    args = "zoo make --dataset credit-default --archs xgboost --clean 1 --backdoored 1"
    code = run([*args.split(), "--targets", value, "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert "--targets" in err and len(err.splitlines()) == 1 and "Traceback" not in err
    assert not out.exists()


def test_targets_are_ascii_digits() -> None:
    from trojanscope.cli.commands.zoo import parse_targets

    assert parse_targets("0,12") == [0, 12]
    for value in ("+1", " 1 ", "\uff11", "1_0", "1,"):
        with pytest.raises(UserInputError, match="not a class number"):
            parse_targets(value)
