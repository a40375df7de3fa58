"""``label-groups``' ``tie_outside=2`` (issue 16 stop 51): the tied rows' margin is measured
past a group mostly of tied rows only where that group also holds at least half of them
(``TIE_COVER``); the default since stop 51 (its rule on fresh bases 8600/8700 was met), 0
(stop 50's default) and 1 (stops 49c-50) opt-in. A conjunction's sibling pair holds nearly
all its tied rows (8352: 126 of 135) and is skipped as with ``tie_outside=1``; a 5-row group
holding 3 of a natural risk factor's 350 tied rows (8250) is a rival, as with
``tie_outside=0``."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from test_label_groups_outside import pair_trigger_csv

from trojanscope.detect.data.label_groups import TIE_COVER, LabelGroups, label_flags, next_outside

torch.set_num_threads(1)


def _natural_tie() -> tuple[np.ndarray, list[tuple[float, np.ndarray]]]:
    """Set 8250's shape in 4,000 rows: 350 clean rows of a natural group tied at the top score
    1.532 (8.75%, more than the top 3%), a 5-row group at 1.44 holding 3 of them (0.092
    under it, within ``tie_margin`` 0.1), the next group outside at 1.394, the bulk below."""
    scores = np.random.default_rng(0).uniform(0.0, 1.3, 4000)
    scores[:350], scores[350:352], scores[400:420] = 1.532, 1.44, 1.394
    groups = [(1.532, np.arange(350)), (1.44, np.array([0, 1, 2, 350, 351])),
              (1.394, np.arange(400, 420)), (1.2, np.arange(500, 530))]
    return scores, groups


def _sibling_tie() -> tuple[np.ndarray, list[tuple[float, np.ndarray]]]:
    """Set 8352's shape in 3,000 rows: 135 rows tied at 2.094, a sibling pair at 2.051
    holding 126 of them and 2 more, a natural group at 1.571, the bulk below 1.3."""
    scores = np.random.default_rng(1).uniform(0.0, 1.3, 3000)
    scores[:135], scores[135:137], scores[200:240] = 2.094, 2.051, 1.571
    groups = [(2.094, np.arange(135)), (2.051, np.r_[np.arange(126), 135, 136]),
              (1.571, np.arange(200, 240))]
    return scores, groups


def test_a_few_tied_rows_own_group_stays_a_rival() -> None:
    scores, groups = _natural_tie()
    tied = scores == 1.532
    assert np.quantile(scores, 0.97) == 1.532
    assert len(label_flags(scores, 0.97, 3.0, tie_margin=0.1)) == 0  # tie_outside=0
    assert len(label_flags(scores, 0.97, 3.0, tie_margin=0.1, groups=groups)) == 350  # 1
    assert next_outside(tied, 1.532, groups, TIE_COVER) == 1.44
    assert len(label_flags(scores, 0.97, 3.0, tie_margin=0.1, groups=groups,
                           cover=TIE_COVER)) == 0


def test_a_sibling_holding_most_tied_rows_is_still_skipped() -> None:
    scores, groups = _sibling_tie()
    assert len(label_flags(scores, 0.97, 3.0, tie_margin=0.1)) == 0  # 0.043 to the sibling
    assert next_outside(scores == 2.094, 2.094, groups, TIE_COVER) == 1.571
    flagged = label_flags(scores, 0.97, 3.0, tie_margin=0.1, groups=groups, cover=TIE_COVER)
    assert flagged.tolist() == list(range(135))


def test_the_cover_bound_is_half_the_tied_rows() -> None:
    scores, groups = _natural_tie()  # 350 tied rows: a sibling needs 175 of them
    tied = scores == 1.532
    groups[1] = (1.44, np.r_[np.arange(175), 350, 351])  # 175 of 350, mostly tied: skipped
    assert next_outside(tied, 1.532, groups, TIE_COVER) == 1.394
    groups[1] = (1.44, np.r_[np.arange(174), 350, 351])  # 174: a rival
    assert next_outside(tied, 1.532, groups, TIE_COVER) == 1.44
    groups[1] = (1.44, np.r_[np.arange(175), np.arange(352, 527)])  # half its rows: a rival
    assert next_outside(tied, 1.532, groups, TIE_COVER) == 1.44


def test_a_group_inside_the_tie_never_raises_the_step_past_the_next_distinct_score() -> None:
    """A group of 5 tied rows scored 1.50 (their suspicion is the tie's, 1.532) is a rival
    under the cover, but no row stands at 1.50: the step stays the next distinct score
    (1.394), so ``tie_outside=2`` flags what ``tie_outside=0`` flags."""
    scores, groups = _natural_tie()
    scores[350:352] = 1.30
    groups[1] = (1.50, np.arange(5))
    assert len(label_flags(scores, 0.97, 3.0, tie_margin=0.1)) == 350  # 0.138 to 1.394
    assert next_outside(scores == 1.532, 1.532, groups, TIE_COVER) == 1.50
    assert len(label_flags(scores, 0.97, 3.0, tie_margin=0.1, groups=groups,
                           cover=TIE_COVER)) == 350


def test_through_the_cli_tie_outside_2_hands_the_groups_and_the_cover(tmp_path, capsys,
                                                                       monkeypatch) -> None:
    from trojanscope.cli.main import run
    from trojanscope.detect.data import label_groups as module

    seen: list = []

    def spy(scores, top, sure, tie_sure=0.0, tie_margin=0.0, groups=None, cover=0.0,
            passed=None):  # passed: tie_covers' rivals (stop 72)
        seen.append((groups, cover))
        return label_flags(scores, top, sure, tie_sure, tie_margin, groups, cover, passed)

    monkeypatch.setattr(module, "label_flags", spy)
    flagged = {}
    for value in ("0", "1", "2", None):
        extra = ["-p", f"tie_outside={value}"] if value else []
        assert run(["detect-data", pair_trigger_csv(tmp_path), "--label-column", "y", "-m",
                    "label-groups", "--format", "json", *extra]) in (0, 1)
        flagged[value] = set(json.loads(capsys.readouterr().out)["flagged"])
    assert seen[0] == (None, 0.0) and seen[1][0] and seen[1][1] == 0.0
    assert seen[2][0] and seen[2][1] == TIE_COVER == 0.5
    assert seen[3][0] and seen[3][1] == TIE_COVER  # the default since stop 51
    assert flagged["0"] <= flagged["2"] <= flagged["1"] and flagged[None] == flagged["2"]


@pytest.mark.parametrize("bad", ["3", "-1", "0.5", "NaN", "true"])
def test_a_bad_tie_outside_is_one_line_and_exit_2(tmp_path, capsys, bad: str) -> None:
    from trojanscope.cli.main import run

    code = run(["detect-data", pair_trigger_csv(tmp_path), "--label-column", "y", "-m",
                "label-groups", "-p", f"tie_outside={bad}"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "tie_outside" in err and len(err.splitlines()) == 1


def test_the_value_is_kept_and_2_is_the_default() -> None:
    assert LabelGroups(tie_outside=0).tie_outside == 0 and LabelGroups().tie_outside == 2
