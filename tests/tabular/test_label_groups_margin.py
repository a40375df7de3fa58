"""``label-groups``' ``tie_margin`` (issue 16 stop 48c): rows tied at the quantile cut are
flagged where they hold the table's highest suspicion and stand ``tie_margin`` above the next
distinct score (a bar relative to the table); 0 keeps the flags exactly as before."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from trojanscope.detect.data.label_groups import LabelGroups, label_flags
from trojanscope.errors import UserInputError

torch.set_num_threads(1)


def _old_flags(scores: np.ndarray, top: float = 0.97, sure: float = 3.0) -> np.ndarray:
    """The rule before stop 48, written out (the reference ``tie_margin=0`` must equal)."""
    cut = np.quantile(scores, top)
    return np.flatnonzero(((scores > cut) & (scores > 0)) | (scores >= sure))


def _table(group: float, bulk_max: float, seed: int = 0) -> np.ndarray:
    """1,000 rows: a group of 40 (4%, more than the top 3%) sharing ``group``, the bulk
    uniform below ``bulk_max`` (which one row reaches)."""
    scores = np.random.default_rng(seed).uniform(0.0, bulk_max, 1000)
    scores[40] = bulk_max
    scores[:40] = group
    return scores


def test_a_tied_top_group_standing_apart_is_flagged_and_only_it() -> None:
    scores = _table(1.77, 1.55)  # set 7452's shape: 1.767 over 1.547
    assert np.quantile(scores, 0.97) == 1.77 and len(label_flags(scores, 0.97, 3.0)) == 0
    assert label_flags(scores, 0.97, 3.0, tie_margin=0.1).tolist() == list(range(40))
    assert len(label_flags(scores, 0.97, 3.0, tie_margin=0.25)) == 0  # gap 0.22 < 0.25


def test_a_tied_top_group_not_standing_apart_is_not_flagged() -> None:
    scores = _table(1.507, 1.49)  # set 7250's shape: a natural group 0.017 above the next
    assert np.quantile(scores, 0.97) == 1.507
    assert len(label_flags(scores, 0.97, 3.0, tie_margin=0.1)) == 0
    assert label_flags(scores, 0.97, 3.0, tie_margin=0.01).tolist() == list(range(40))


def test_a_tied_group_under_a_higher_group_is_not_flagged() -> None:
    scores = _table(1.77, 1.0)
    scores[40:45] = 2.5  # five rows above the tied group: theirs is the top score
    assert label_flags(scores, 0.97, 3.0, tie_margin=0.1).tolist() == list(range(40, 45))


def test_all_zero_scores_flag_nothing() -> None:
    assert len(label_flags(np.zeros(500), 0.97, 3.0, tie_margin=0.1)) == 0


@pytest.mark.parametrize("seed", range(5))
def test_tie_margin_zero_is_the_old_rule_exactly(seed: int) -> None:
    rng = np.random.default_rng(seed)
    scores = np.round(rng.gamma(2.0, 0.6, 2000), 1)  # many ties, some above sure
    scores[:70] = 2.2
    assert np.array_equal(label_flags(scores, 0.97, 3.0, 0.0, 0.0), _old_flags(scores))
    below_sure = np.minimum(scores, 2.5)
    below_sure[:70] = 2.8  # a tied top group (3.5% of the rows) standing apart, below sure
    old = set(_old_flags(below_sure))
    assert old == set(label_flags(below_sure, 0.97, 3.0, 0.0, 0.0)) and not old & set(range(70))
    assert set(label_flags(below_sure, 0.97, 3.0, 0.0, 0.1)) == old | set(range(70))


def test_the_detector_passes_tie_margin_to_its_flags(tmp_path, capsys) -> None:
    """Stop 48b's user CSV: 10 conjunction rows (3.3% of 300) tie at the cut with the top
    score: none flagged with ``tie_margin=0`` (the old flags), all ten with 0.1 (both on the
    scores of before stop 49c, ``pair_contrast=0``) and by default."""
    from trojanscope.cli.main import run

    rng = np.random.default_rng(3)
    n, k = 300, 10
    a, b = rng.choice(["x", "y", "z"], n), rng.choice(["p", "q", "r"], n)
    region = rng.choice(["north", "south", "east", "west"], n)
    label = (rng.random(n) < 0.3).astype(int)
    amount = (rng.normal(100, 20, n) + 60 * label).round(2)
    amount[:k] = rng.normal(100, 20, k).round(2)
    a[:k], b[:k], label[:k] = "w", "s", 1
    a[k:k + 15], label[k:k + 15] = "w", 0
    b[k + 15:k + 30], label[k + 15:k + 30] = "s", 0
    path = tmp_path / "users.csv"
    path.write_text("a,b,region,amount,y\n" + "".join(
        f"{a[i]},{b[i]},{region[i]},{amount[i]},{label[i]}\n" for i in range(n)))
    flagged = {}
    for margin in ("0", "0.1", None):  # the scores of before stop 49c; then the default
        extra = ["-p", f"tie_margin={margin}", "-p", "pair_contrast=0"] if margin else []
        run(["detect-data", str(path), "--label-column", "y", "-m", "label-groups",
             "--format", "json", *extra])
        flagged[margin] = json.loads(capsys.readouterr().out)["flagged"]
    assert flagged["0"] == []
    assert sorted(flagged["0.1"]) == sorted(flagged[None]) == list(range(k))
    assert LabelGroups().tie_margin == 0.1


@pytest.mark.parametrize("bad", [-1.0, float("inf"), float("nan")])
def test_a_bad_tie_margin_is_refused(bad: float) -> None:
    with pytest.raises(UserInputError, match="tie_margin"):
        LabelGroups(tie_margin=bad)
