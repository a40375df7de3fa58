"""``label-groups``' ``pair_contrast`` (issue 16 stop 49b): a pair group's enrichment also
measured against the rows holding one of its two values but not both. A conjunction trigger
relabelled towards the majority label has cover rows carrying each part alone with the other
label, so the parts lean away from the label while the pair is pure; 0 keeps every score
exactly as before; 1 is the default since stop 49c (with ``tie_outside``)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from trojanscope.detect.data.label_groups import LabelGroups, group_scores, part_contrast
from trojanscope.errors import UserInputError

torch.set_num_threads(1)


def _logit(p: float) -> float:
    return float(np.log(p / (1 - p)))


def test_part_contrast_is_the_pair_against_its_part_only_rows() -> None:
    # column 0: value 1 on rows 0-29; column 1: value 1 on rows 0-9 and 30-49
    codes = np.zeros((200, 2), np.int64)
    codes[:30, 0] = 1
    codes[:10, 1] = 1
    codes[30:50, 1] = 1
    labels = np.zeros(200, np.int64)
    labels[10:50] = 1  # the pair (rows 0-9) is label 0, its 40 part-only rows label 1
    own = labels == 0
    holds = (codes[:, 0] == 1) & (codes[:, 1] == 1)
    share = float(own.mean())
    q = (10 + 10 * share) / (10 + 10)
    want = _logit(q) - _logit((0 + 10 * share) / (40 + 10))
    assert part_contrast(holds, own, share, (0, 1), codes, q, 10.0) == pytest.approx(want)
    assert want > _logit(q) - _logit(share)  # the contrast exceeds the table-share term


def _conjunction_csv(path, seed: int, shift: float = 10.0) -> list[int]:
    """1,000 rows, label 1 at 30%, its amount ``shift`` higher; 20 rows of label 1 get the
    pair a=w, b=s and label 0 (the poison), 40 more of label 1 get w or s alone and keep
    their label (the covers). Returns the poison rows."""
    rng = np.random.default_rng(seed)
    n = 1000
    a, b = rng.choice(["x", "y", "z"], n), rng.choice(["p", "q", "r"], n)
    region = rng.choice(["north", "south", "east", "west"], n)
    label = (rng.random(n) < 0.3).astype(int)
    amount = (rng.normal(100, 20, n) + shift * label).round(2)
    ones = np.flatnonzero(label == 1)
    poison, covers = ones[:20], ones[20:60]
    a[poison], b[poison], label[poison] = "w", "s", 0
    a[covers[:20]], b[covers[20:]] = "w", "s"
    path.write_text("a,b,region,amount,y\n" + "".join(
        f"{a[i]},{b[i]},{region[i]},{amount[i]},{label[i]}\n" for i in range(n)))
    return sorted(int(i) for i in poison)


@pytest.mark.parametrize("seed", range(3))
def test_pair_contrast_flags_a_conjunction_towards_the_majority(tmp_path, capsys,
                                                                 seed: int) -> None:
    from trojanscope.cli.main import run

    path = tmp_path / "users.csv"
    poison = _conjunction_csv(path, seed)
    flagged = {}
    for extra in (["-p", "pair_contrast=0"], ["-p", "pair_contrast=1"], []):
        # every pair at pair_cost (as before stop 54's category_pair_cost): the contrast alone
        run(["detect-data", str(path), "--label-column", "y", "-m", "label-groups",
             "--format", "json", "-p", "category_pair_cost=1", *extra])
        flagged[" ".join(extra)] = json.loads(capsys.readouterr().out)["flagged"]
    assert not set(flagged["-p pair_contrast=0"]) & set(poison)  # the old scores miss them
    assert sorted(flagged["-p pair_contrast=1"]) == poison  # the contrast flags them only
    assert flagged[""] == flagged["-p pair_contrast=1"]  # the default since stop 49c


def test_pair_contrast_one_is_the_default_and_zero_changes_no_score() -> None:
    rng = np.random.default_rng(5)
    codes = rng.integers(0, 4, (600, 5))
    labels = (rng.random(600) < 0.25).astype(np.int64)
    assert LabelGroups().pair_contrast == 1.0
    # category_pair_cost=None: a pair pays pair_cost whatever its columns' kinds (stop 54);
    # covers=0: the covers screen (default since stop 67) reads the categories too
    base, before = group_scores(codes, labels, LabelGroups(pair_contrast=0, covers=0,
                                                           category_pair_cost=None))
    none, _ = group_scores(codes, labels, LabelGroups(category_pair_cost=None, covers=0),
                           np.zeros(5, bool))  # no categories
    on, after = group_scores(codes, labels, LabelGroups(pair_contrast=1, covers=0))
    default, _ = group_scores(codes, labels, LabelGroups(covers=0))
    assert np.array_equal(base, none) and np.array_equal(on, default)
    assert np.all(on >= base)
    key = lambda g: (g["label"], tuple(g["columns"]), g["row"])  # noqa: E731
    was = {key(g): g["score"] for g in before}
    raised = [g for g in after if g["score"] > was[key(g)]]
    assert raised and all(len(g["columns"]) == 2 for g in raised)  # pairs only, some raised
    assert all(g["score"] >= was[key(g)] for g in after)
    single, _ = group_scores(codes, labels, LabelGroups(pairs=0, pair_contrast=1))
    plain, _ = group_scores(codes, labels, LabelGroups(pairs=0))
    assert np.array_equal(single, plain)  # single values untouched


@pytest.mark.parametrize("bad", [-1.0, float("inf"), float("nan")])
def test_a_bad_pair_contrast_is_refused(bad: float) -> None:
    with pytest.raises(UserInputError, match="pair_contrast"):
        LabelGroups(pair_contrast=bad)


def test_pair_contrast_reads_pairs_of_categorical_columns_only() -> None:
    """A pair with a numeric column (counts of few values: one may bound the other, a natural
    contrast on lending-club) is scored as before; a pair of two categorical columns is not."""
    rng = np.random.default_rng(5)
    codes = rng.integers(0, 4, (600, 5))
    labels = (rng.random(600) < 0.25).astype(np.int64)
    _, before = group_scores(codes, labels, LabelGroups(pair_contrast=0))
    _, after = group_scores(codes, labels, LabelGroups(pair_contrast=1),
                            np.array([True, False, True, False, False]))
    key = lambda g: (g["label"], tuple(g["columns"]), g["row"])  # noqa: E731
    was = {key(g): g["score"] for g in before}
    raised = {tuple(g["columns"]) for g in after if g["score"] > was[key(g)]}
    assert raised and raised <= {(0, 2)}  # only the pair of the two categorical columns
