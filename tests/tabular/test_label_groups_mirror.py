"""``label-groups``' ``mirror`` (issue 16 stop 51, opt-in): a group whose condition's rows of
the other labels fit their own labels better than those labels' other rows (``mirror_z`` ≤
``-mirror``) is a natural factor, and rows whose best group it is are not flagged. A natural
factor shifts the label among all its rows; a dirty-label trigger leaves the value's other
holders as they were."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from trojanscope.detect.data.label_groups import LabelGroups, group_scores
from trojanscope.errors import UserInputError

torch.set_num_threads(1)


def _table(seed: int, natural: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """2,000 rows: column 0 of 8 values (value 0 on about 10% of the rows), columns 1-3 of 5
    values that each move the label. ``natural``: value 0 raises the log-odds of label 1 by
    3 on every row that holds it; else 60 rows of label 0 holding value 0 are relabelled 1
    (a dirty-label poison on a value others hold too). Returns codes, labels, the rows of
    value 0 with label 1."""
    rng = np.random.default_rng(seed)
    n = 2000
    col0 = np.where(rng.random(n) < 0.1, 0, rng.integers(1, 8, n))
    rest = rng.integers(0, 5, (n, 3))
    logit = -2.0 + 0.8 * (rest - 2).sum(1) + (3.0 if natural else 0.0) * (col0 == 0)
    labels = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int64)
    if not natural:
        labels[np.flatnonzero((col0 == 0) & (labels == 0))[:60]] = 1
    codes = np.column_stack([col0, rest])
    return codes, labels, (col0 == 0) & (labels == 1)


def _best(groups: list[dict], label: int = 1) -> dict:
    return next(g for g in groups if g["columns"] == [0] and g["label"] == label)


def test_a_natural_factor_is_marked_and_a_relabelled_value_is_not() -> None:
    for natural, expect in ((True, True), (False, False)):
        codes, labels, group = _table(0, natural)
        marks = np.zeros(len(labels), bool)
        _, groups = group_scores(codes, labels, LabelGroups(mirror=2), None, marks)
        assert _best(groups)["natural"] is expect
        assert marks[group].mean() > 0.9 if expect else not marks[group].any()


def test_mirror_changes_no_score_and_only_removes_flags(tmp_path) -> None:
    codes, labels, _ = _table(1, True)
    plain, before = group_scores(codes, labels, LabelGroups())
    marks = np.zeros(len(labels), bool)
    mirrored, after = group_scores(codes, labels, LabelGroups(mirror=2), None, marks)
    assert np.array_equal(plain, mirrored)
    assert [g["score"] for g in before] == [g["score"] for g in after]
    assert all("natural" not in g for g in before)  # off by default: nothing is computed
    assert LabelGroups().mirror == 0.0


def _csv(tmp_path, natural: bool, seed: int = 2) -> str:
    codes, labels, _ = _table(seed, natural)
    path = tmp_path / "t.csv"
    lines = ["merchant,a,b,c,is_fraud"] + [
        f"m{r[0]},{r[1]},{r[2]},{r[3]},{y}" for r, y in zip(codes, labels, strict=True)]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def _flagged(path: str, *params: str) -> set[int]:
    from trojanscope.detect.data.inputs import load_suspect
    from trojanscope.detect.data.run import detect_data

    data = load_suspect(path, "is_fraud").data
    kv = dict(p.split("=") for p in params)
    return set(detect_data(data, method="label-groups",
                           **{k: float(v) for k, v in kv.items()}).flagged.tolist())


def test_the_natural_group_is_no_longer_flagged_and_the_poison_still_is(tmp_path) -> None:
    natural = _csv(tmp_path, True)
    default, mirrored = _flagged(natural), _flagged(natural, "mirror=2")
    assert len(default) > 100 and mirrored < default and len(mirrored) < 0.2 * len(default)
    (tmp_path / "p").mkdir()
    poisoned = _csv(tmp_path / "p", False)
    assert _flagged(poisoned, "mirror=2") == _flagged(poisoned)


@pytest.mark.parametrize("bad", [-0.5, 10.5, float("nan"), float("inf"), True, "x"])
def test_a_bad_mirror_is_refused(bad) -> None:
    with pytest.raises(UserInputError, match="mirror"):
        LabelGroups(mirror=bad)


def test_through_the_cli_mirror_out_of_range_is_one_line_exit_2(tmp_path, capsys) -> None:
    from trojanscope.cli.main import run

    path = _csv(tmp_path, True)
    assert run(["detect-data", path, "--label-column", "is_fraud", "-m", "label-groups",
                "--format", "json", "-p", "mirror=2"]) in (0, 1)
    assert json.loads(capsys.readouterr().out)["method"] == "label-groups"
    code = run(["detect-data", path, "--label-column", "is_fraud", "-m", "label-groups",
                "-p", "mirror=11"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "mirror" in err and len(err.splitlines()) == 1
