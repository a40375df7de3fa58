"""``label-groups``' ``deficit_weight`` (issue 16 stop 56, 2 the default since): the deficit
screen's score ``z - deficit`` multiplied, so that a group over the bar clears the table's cut;
groups under the bar (every group of most tables) do not move."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from trojanscope.attacks.tabular_conjunction import TabularConjunction
from trojanscope.data import load_dataset
from trojanscope.detect.data.inputs import load_suspect, materialize
from trojanscope.detect.data.label_groups import LabelGroups
from trojanscope.detect.data.run import detect_data
from trojanscope.errors import UserInputError
from trojanscope.triggers.tabular_conjunction import ConjunctionTrigger

torch.set_num_threads(1)


def rates(result, mask: np.ndarray) -> tuple[float, float]:
    flagged = np.zeros(len(mask), bool)
    flagged[result.flagged] = True
    return float(flagged[mask].mean()), float(flagged[~mask].mean())


def test_a_weight_finds_three_categories_the_bar_leaves_under_the_cut() -> None:
    """Set 10051 (``bench_tabular_detect.py --base 10000``, development): `Home` × `Marital` ×
    `Job` relabelled to credit-default's label 0, 18 poison rows; the screen reads their
    condition at z 3.27, scored 0.77 at ``deficit_weight=1`` (stop 55), under the table's
    cut; the default (2) finds it."""
    attack = TabularConjunction(target=0, poison_rate=0.017964937646483214,
                                cover_ratio=1.6579182535295862,
                                trigger=ConjunctionTrigger(count=3, seed=936), seed=10051)
    poisoned = attack.poison(load_dataset("credit-default", "train"))
    data, mask = materialize(poisoned), poisoned.is_poisoned.numpy().copy()
    # covers=0: the covers screen (default since stop 67) finds it at any weight
    tpr, _ = rates(detect_data(data, method="label-groups", deficit_weight=1, covers=0), mask)
    assert tpr < 0.5
    tpr, fpr = rates(detect_data(data, method="label-groups", covers=0), mask)
    assert tpr >= 0.95 and fpr <= 0.05, (tpr, fpr)


def test_groups_under_the_bar_do_not_move(tmp_path) -> None:
    """A table whose label follows a numeric column only: no group reads over the bar, so
    every suspicion is the same with any weight."""
    rng = np.random.default_rng(0)
    n = 1500
    x = rng.normal(size=n)
    cats = rng.choice(4, size=(n, 2))
    y = (rng.random(n) < 1 / (1 + np.exp(-(x * 2 - 2)))).astype(int)
    path = tmp_path / "t.csv"
    path.write_text("x,a,b,y\n" + "".join(f"{x[i]:.2f},a{cats[i, 0]},b{cats[i, 1]},{y[i]}\n"
                                          for i in range(n)))
    data = load_suspect(path, "y").data
    one = detect_data(data, method="label-groups", deficit_weight=1)
    three = detect_data(data, method="label-groups", deficit_weight=3)
    assert np.array_equal(one.suspicion, three.suspicion)
    assert np.array_equal(one.flagged, three.flagged)


@pytest.mark.parametrize("bad", [0.5, 11, float("nan"), float("inf"), True])
def test_a_bad_deficit_weight_is_refused(bad) -> None:
    with pytest.raises(UserInputError, match="deficit_weight"):
        LabelGroups(deficit_weight=bad)


@pytest.mark.parametrize("bad", ["deficit_weight=0", "deficit_weight=Infinity",
                                 "deficit_weight=abc", "deficit_weight=20"])
def test_the_cli_refuses_a_bad_deficit_weight_in_one_line(tmp_path, capsys, bad) -> None:
    from trojanscope.cli.main import run

    path = tmp_path / "t.csv"
    path.write_text("a,b,y\n" + "".join(f"{i % 3},{i % 5},{i % 2}\n" for i in range(60)))
    code = run(["detect-data", str(path), "--label-column", "y", "-m", "label-groups",
                "-p", bad])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "deficit_weight" in err, err
