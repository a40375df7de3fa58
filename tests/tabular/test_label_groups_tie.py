"""``label-groups``' ``tie_sure`` (issue 16 stop 48): a group holding more rows than the top
share ties at the quantile cut; ``tie_sure`` flags such tied rows when they score high enough,
and 0 keeps the flags exactly as before."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from trojanscope.detect.data.label_groups import LabelGroups, label_flags
from trojanscope.errors import UserInputError

torch.set_num_threads(1)


def _old_flags(scores: np.ndarray, top: float = 0.97, sure: float = 3.0) -> np.ndarray:
    """The rule before stop 48, written out (the reference ``tie_sure=0`` must equal)."""
    cut = np.quantile(scores, top)
    return np.flatnonzero(((scores > cut) & (scores > 0)) | (scores >= sure))


def _tied_table() -> np.ndarray:
    """1,000 rows: a group of 40 (4%, more than the top 3%) sharing 2.4, bulk below 1.5."""
    rng = np.random.default_rng(0)
    scores = rng.uniform(0.0, 1.5, 1000)
    scores[:40] = 2.4
    return scores


def test_a_group_above_the_top_share_ties_at_the_cut_and_is_not_flagged_by_default() -> None:
    scores = _tied_table()
    assert np.quantile(scores, 0.97) == 2.4  # the tie: the cut is the group's own score
    assert len(label_flags(scores, 0.97, 3.0)) == 0


def test_tie_sure_flags_the_tied_group_and_only_it() -> None:
    scores = _tied_table()
    assert label_flags(scores, 0.97, 3.0, tie_sure=2.1).tolist() == list(range(40))
    assert len(label_flags(scores, 0.97, 3.0, tie_sure=2.5)) == 0  # below the bar: not


@pytest.mark.parametrize("seed", range(5))
def test_tie_sure_zero_is_the_old_rule_exactly(seed: int) -> None:
    rng = np.random.default_rng(seed)
    scores = np.round(rng.gamma(2.0, 0.6, 2000), 1)  # many ties, some above sure
    scores[:70] = 2.2
    assert np.array_equal(label_flags(scores, 0.97, 3.0, 0.0), _old_flags(scores))
    # and a positive tie_sure only adds flags
    assert set(_old_flags(scores)) <= set(label_flags(scores, 0.97, 3.0, 2.1))


def test_the_detector_passes_tie_sure_to_its_flags(tmp_path, capsys) -> None:
    """A user CSV whose 10 conjunction rows (3.3% of 300) tie at the cut (the review of stop
    47): none flagged by the old flags (``tie_margin=0``; ``tie_margin`` 0.1, the default
    since stop 48c, flags them: test_label_groups_margin.py), all ten with ``tie_sure=2.1``."""
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
    for extra in ([], ["-p", "tie_sure=2.1"]):
        run(["detect-data", str(path), "--label-column", "y", "-m", "label-groups",
             "--format", "json", "-p", "tie_margin=0", "-p", "pair_contrast=0", *extra])
        import json

        flagged[bool(extra)] = json.loads(capsys.readouterr().out)["flagged"]
    assert flagged[False] == []
    assert sorted(flagged[True]) == list(range(k))


@pytest.mark.parametrize("bad", [-1.0, float("inf"), float("nan")])
def test_a_bad_tie_sure_is_refused(bad: float) -> None:
    with pytest.raises(UserInputError, match="tie_sure"):
        LabelGroups(tie_sure=bad)
