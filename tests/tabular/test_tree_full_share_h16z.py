"""``--tree-full-share`` (issue 16 stop 64, h16z): some zoo trees keep every row and column, as
the README's ``attack --arch xgboost`` does, drawn from a stream of their own so the rest of
the population is the one ``--tree-subsample`` alone draws."""

from __future__ import annotations

from pathlib import Path

import pytest

from trojanscope.errors import UserInputError
from trojanscope.zoo import draw_entries

ARGS = (6, 12, 2, 5600)
KW = {"attacks": ["tabular-badnets", "tabular-rare"], "archs": ["mlp", "xgboost", "lightgbm"]}


def _shares(entries) -> list[float | None]:
    return [e.arch_params.get("subsample") for e in entries]


def test_some_trees_keep_full_shares_and_nothing_else_moves() -> None:
    sampled = draw_entries(*ARGS, **KW, tree_subsample=0.8)
    mixed = draw_entries(*ARGS, **KW, tree_subsample=0.8, tree_full_share=0.5)
    assert draw_entries(*ARGS, **KW, tree_subsample=0.8, tree_full_share=0.5) == mixed
    trees = [i for i, e in enumerate(sampled) if e.arch != "mlp"]
    full = [i for i in trees if mixed[i].arch_params == {"subsample": 1.0, "colsample": 1.0}]
    assert 0 < len(full) < len(trees)  # seed 5600: some of each
    for a, b in zip(sampled, mixed, strict=True):
        a.arch_params = b.arch_params
        assert a == b  # seeds, attacks, triggers, targets: unchanged
    assert set(_shares(draw_entries(*ARGS, **KW, tree_subsample=0.8, tree_full_share=1.0))) \
        == {None, 1.0}
    assert _shares(draw_entries(*ARGS, **KW, tree_subsample=0.8, tree_full_share=0.0)) \
        == _shares(draw_entries(*ARGS, **KW, tree_subsample=0.8))


@pytest.mark.parametrize("share,subsample", [(1.5, 0.8), (-0.1, 0.8), (0.5, None)])
def test_a_bad_full_share_is_one_error(share: float, subsample: float | None) -> None:
    with pytest.raises(UserInputError, match="tree-full-share"):
        draw_entries(*ARGS, **KW, tree_subsample=subsample, tree_full_share=share)


def test_zoo_make_refuses_a_full_share_without_subsample(tmp_path: Path, capsys) -> None:
    from trojanscope.cli.main import run

    out = tmp_path / "zoo"
    code = run(["zoo", "make", "--dataset", "credit-default", "--archs", "xgboost",
                "--tree-full-share", "0.5", "--clean", "1", "--backdoored", "0",
                "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "tree-full-share" in err and "Traceback" not in err
    assert not out.exists()
