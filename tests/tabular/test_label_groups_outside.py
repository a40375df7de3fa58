"""``label-groups``' ``tie_outside`` (issue 16 stop 49c): ``tie_margin`` measured to the
highest score of a group whose rows are at most half the tied rows, so that a sibling group
of the same trigger (the tied rows and one more) does not defeat it; 0 keeps the flags. 1 was
the default from stop 49c (with ``pair_contrast=1``); 0 was the default again at stop 50
(h16c: its rule on fresh bases 8400/8500 was met); since stop 51 the default is 2
(test_label_groups_cover.py), 0 and 1 opt-in."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from trojanscope.detect.data.label_groups import (
    LabelGroups,
    group_scores,
    label_flags,
    next_outside,
)
from trojanscope.errors import UserInputError

torch.set_num_threads(1)


def _sibling_table() -> tuple[np.ndarray, list[tuple[float, np.ndarray]]]:
    """Set 7852's shape under ``pair_contrast=1``, in 2,000 rows: a trigger's 118 rows tied
    at the top score 1.977 (5.9%, more than the top 3%), its sibling pair holding those and
    one more row at 1.965, a natural group of 40 rows at 1.55, the bulk below 1.2."""
    scores = np.random.default_rng(0).uniform(0.0, 1.2, 2000)
    scores[:118], scores[118], scores[200:240] = 1.977, 1.965, 1.55
    groups = [(1.977, np.arange(118)), (1.965, np.arange(119)), (1.55, np.arange(200, 240)),
              (1.2, np.arange(300, 320))]
    return scores, groups


def test_a_sibling_group_of_the_tied_rows_does_not_defeat_the_margin() -> None:
    scores, groups = _sibling_table()
    assert np.quantile(scores, 0.97) == 1.977
    assert len(label_flags(scores, 0.97, 3.0, tie_margin=0.1)) == 0  # 0.012 to the sibling
    assert next_outside(scores == 1.977, 1.977, groups) == 1.55
    flagged = label_flags(scores, 0.97, 3.0, tie_margin=0.1, groups=groups)
    assert flagged.tolist() == list(range(118))  # the tied rows; the sibling's extra row not
    assert len(label_flags(scores, 0.97, 3.0, tie_margin=0.5, groups=groups)) == 0  # 0.427


def test_a_group_at_most_half_tied_rows_is_a_rival() -> None:
    scores, groups = _sibling_table()
    rival = np.concatenate([np.arange(59), np.arange(1000, 1059)])  # 59 tied of 118: half
    scores[1000:1059] = 1.965
    groups[1] = (1.965, rival)
    assert next_outside(scores == 1.977, 1.977, groups) == 1.965
    assert len(label_flags(scores, 0.97, 3.0, tie_margin=0.1, groups=groups)) == 0
    groups[1] = (1.965, rival[:-1])  # 59 tied of 117: mostly tied, not a rival
    assert next_outside(scores == 1.977, 1.977, groups) == 1.55


@pytest.mark.parametrize("seed", range(6))
def test_outside_flags_contain_the_old_ones(seed: int) -> None:
    """The margin to the groups outside is never smaller than to the next distinct score;
    with ``cover`` (``tie_outside=2``, stop 51) the flags lie between the two."""
    rng = np.random.default_rng(seed)
    scores = np.round(rng.gamma(2.0, 0.5, 1500), 2)
    scores[:60] = scores.max() + rng.uniform(0.0, 0.3)
    groups = [(float(scores[i]), np.unique(np.append(rng.choice(1500, 30), i)))
              for i in rng.choice(1500, 200)]
    groups += [(float(scores[0]) - rng.uniform(0.0, 0.2), rng.choice(60, m))
               for m in (5, 25, 45)]  # groups inside the tie, of a few or most tied rows
    groups = [(s, r) for s, r in groups if np.all(scores[r] >= s)]  # a row's score is its max
    old = set(label_flags(scores, 0.97, 3.0, tie_margin=0.1))
    new = set(label_flags(scores, 0.97, 3.0, tie_margin=0.1, groups=groups))
    cover = set(label_flags(scores, 0.97, 3.0, tie_margin=0.1, groups=groups, cover=0.5))
    assert old <= cover <= new and new - old <= set(range(60))


def test_the_detector_keeps_its_scores_and_lists_its_groups_rows() -> None:
    """``tie_outside`` changes no score; with it every group holds its exact score and
    rows (whose suspicion is at least that score); 2 is the default since stop 51."""

    rng = np.random.default_rng(1)
    n = 400
    codes = np.stack([rng.integers(0, 4, n), rng.integers(0, 3, n), rng.integers(0, 5, n)], 1)
    labels = (rng.random(n) < 0.3).astype(np.int64)
    codes[:14, 0], codes[:14, 1], labels[:14] = 3, 2, 1
    plain, _ = group_scores(codes, labels, LabelGroups(tie_outside=0))
    scores, groups = group_scores(codes, labels, LabelGroups(tie_outside=1))
    assert np.array_equal(plain, scores) and all("members" in g for g in groups)
    for g in groups:
        assert np.all(scores[g["members"]] >= g["exact"])
    assert LabelGroups().tie_outside == 2  # the default since stop 51


def test_through_the_cli_tie_outside_is_accepted_and_bad_values_refused(tmp_path,
                                                                          capsys) -> None:
    from trojanscope.cli.main import run

    rng = np.random.default_rng(3)
    n = 200
    path = tmp_path / "t.csv"
    path.write_text("a,b,y\n" + "".join(f"{rng.choice(['x', 'z'])},{rng.choice(['p', 'q'])},"
                                         f"{int(rng.random() < 0.3)}\n" for _ in range(n)))
    flagged = {}
    for value in ("0", "1", None):
        extra = ["-p", f"tie_outside={value}"] if value else []
        run(["detect-data", str(path), "--label-column", "y", "-m", "label-groups",
             "--format", "json", *extra])
        flagged[value] = json.loads(capsys.readouterr().out)["flagged"]
    assert set(flagged["0"]) <= set(flagged[None]) <= set(flagged["1"])
    code = run(["detect-data", str(path), "--label-column", "y", "-m", "label-groups",
                "-p", "tie_outside=3"])
    assert code == 2 and "tie_outside is 0, 1 or 2" in capsys.readouterr().err


def pair_trigger_csv(tmp_path) -> str:
    """A 300-row CSV whose first 12 rows hold the pair ``a=w, b=s`` and label 1."""
    rng = np.random.default_rng(5)
    n = 300
    a, b = rng.choice(["x", "y", "z"], n), rng.choice(["p", "q", "r"], n)
    label = (rng.random(n) < 0.3).astype(int)
    a[:12], b[:12], label[:12] = "w", "s", 1
    path = tmp_path / "t.csv"
    path.write_text("a,b,y\n" + "".join(f"{a[i]},{b[i]},{label[i]}\n" for i in range(n)))
    return str(path)


def test_tie_outside_one_still_gives_stop_49c_flags(tmp_path, capsys, monkeypatch) -> None:
    """The detector hands ``label_flags`` every group's exact score and rows with
    ``tie_outside=1`` (stop 49c's flags, pinned on 7852's shape above) and no groups with
    ``tie_outside=0`` (the next distinct score: stop 50's default)."""
    from trojanscope.cli.main import run
    from trojanscope.detect.data import label_groups as module

    seen: list = []

    def spy(scores, top, sure, tie_sure=0.0, tie_margin=0.0, groups=None, cover=0.0,
            passed=None):  # passed: tie_covers' rivals (stop 72)
        seen.append(groups)
        return label_flags(scores, top, sure, tie_sure, tie_margin, groups, cover, passed)

    monkeypatch.setattr(module, "label_flags", spy)
    path = pair_trigger_csv(tmp_path)
    for extra in (["-p", "tie_outside=0"], ["-p", "tie_outside=1"]):
        run(["detect-data", path, "--label-column", "y", "-m", "label-groups",
             "--format", "json", *extra])
        scores = np.array(json.loads(capsys.readouterr().out)["suspicion"])
    assert seen[0] is None and seen[1]
    for exact, rows in seen[1]:
        assert np.all(scores[rows] >= exact - 1e-5)  # the JSON rounds to 5 places


@pytest.mark.parametrize("bad", [3, 0.5, -1, float("nan"), True])
def test_a_bad_tie_outside_is_refused(bad: float) -> None:
    with pytest.raises(UserInputError, match="tie_outside"):
        LabelGroups(tie_outside=bad)
