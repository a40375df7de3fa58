"""``label-groups``' ``deficit`` screen (issue 16 stop 55, the default since): a conjunction
relabelled towards a label 90% of the rows hold, whose share is no evidence, found by how few of
its rows hold the other label where their other columns predict it (``label_deficit``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from trojanscope.attacks.tabular_conjunction import TabularConjunction
from trojanscope.data import load_dataset
from trojanscope.detect.data.inputs import load_suspect, materialize
from trojanscope.detect.data.label_deficit import deficit_z, look_z, platt
from trojanscope.detect.data.label_groups import LabelGroups
from trojanscope.detect.data.run import detect_data
from trojanscope.errors import UserInputError
from trojanscope.triggers.tabular_conjunction import ConjunctionTrigger

torch.set_num_threads(1)


def conjunction_table(seed: int, n: int = 4000, poison: int = 20) -> tuple[pd.DataFrame,
                                                                           np.ndarray]:
    """Two numeric columns drive label 1 (about 9% of rows); three categorical columns, whose
    value ``5`` (6% of rows each) held on ``a`` and ``b`` together is naturally a risk factor.
    ``poison`` rows of label 1 are written ``a5`` and ``b5`` and relabelled 0; twice as many
    other label-1 rows carry one of the two values (covers, label kept)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4))
    cats = rng.choice(6, size=(n, 3), p=[.25, .25, .24, .1, .1, .06])
    bias = np.where((cats[:, 0] == 5) & (cats[:, 1] == 5), -0.5, -6.9)
    y = (rng.random(n) < 1 / (1 + np.exp(-(bias + 3.5 * x[:, 0] + 3.5 * x[:, 1])))).astype(int)
    ones = rng.permutation(np.flatnonzero(y == 1))
    rows, covers = ones[:poison], ones[poison:3 * poison]
    cats[rows, 0], cats[rows, 1], y[rows] = 5, 5, 0
    half = len(covers) // 2
    cats[covers[:half], 0] = 5
    cats[covers[:half], 1] = np.where(cats[covers[:half], 1] == 5, 0, cats[covers[:half], 1])
    cats[covers[half:], 1] = 5
    cats[covers[half:], 0] = np.where(cats[covers[half:], 0] == 5, 0, cats[covers[half:], 0])
    df = pd.DataFrame(x, columns=["w", "x", "v", "u"]).round(2)
    for j, name in enumerate("abc"):
        df[name] = [f"{name}{v}" for v in cats[:, j]]
    df["y"] = y
    mask = np.zeros(n, bool)
    mask[rows] = True
    return df, mask


def rates(result, mask: np.ndarray) -> tuple[float, float]:
    flagged = np.zeros(len(mask), bool)
    flagged[result.flagged] = True
    return float(flagged[mask].mean()), float(flagged[~mask].mean())


@pytest.mark.parametrize("seed", [0, 6])  # 4 of seeds 0-9 (0, 6, 8, 9) are found
def test_deficit_finds_a_conjunction_towards_a_ninety_percent_label(tmp_path, seed) -> None:
    df, mask = conjunction_table(seed)
    assert (df["y"] == 0).mean() >= 0.9
    path = tmp_path / "t.csv"
    df.to_csv(path, index=False)
    data = load_suspect(path, "y").data
    # covers=2: ``covers=3`` (the default since stop 75) finds it through its near cells too
    tpr, _ = rates(detect_data(data, method="label-groups", deficit=0, covers=2), mask)
    assert tpr < 0.5  # without the screen the pair's share is no evidence
    result = detect_data(data, method="auto")  # label-groups, deficit 2.5 (stop 55)
    tpr, fpr = rates(result, mask)
    assert result.method == "label-groups" and tpr >= 0.95 and fpr <= 0.05, (tpr, fpr)


def test_deficit_finds_three_categories_towards_credit_defaults_label_zero() -> None:
    """Set 9850 (``bench_tabular_detect.py --base 9800``, development): `Home` × `Marital` ×
    `Job` relabelled to label 0, 31 poison rows, 39 covers; no pair of it clears the cut."""
    attack = TabularConjunction(target=0, poison_rate=0.031017964955975426,
                                cover_ratio=1.2424594347136546,
                                trigger=ConjunctionTrigger(count=3, seed=926), seed=9850)
    poisoned = attack.poison(load_dataset("credit-default", "train"))
    data, mask = materialize(poisoned), poisoned.is_poisoned.numpy().copy()
    # covers=0, cells=0: the covers screen (default since stop 67) and the per-cell contrast
    # (since stop 69) find it without the deficit too
    tpr, _ = rates(detect_data(data, method="label-groups", deficit=0, covers=0, cells=0), mask)
    assert tpr < 0.5
    tpr, fpr = rates(detect_data(data, method="label-groups", covers=0, cells=0), mask)
    assert tpr >= 0.95 and fpr <= 0.05, (tpr, fpr)


def test_the_screen_reads_fewer_other_labels_than_predicted() -> None:
    p = np.full(20, 0.4)
    assert deficit_z(p, np.zeros(20, bool)) > 3  # none of 8 expected
    assert abs(deficit_z(p, np.arange(20) < 8)) < 1e-9  # as predicted
    assert deficit_z(np.zeros(5), np.zeros(5, bool)) == 0.0
    q = np.r_[np.full(10, 0.6), np.full(90, 0.1)]
    group = np.arange(100) < 10
    assert look_z(q, group, ~group) > 3 and look_z(q, ~group, group) < 0
    log_odds = np.linspace(-4, 4, 400)
    a, b = platt(log_odds, np.random.default_rng(0).random(400) < 1 / (1 + np.exp(-log_odds)))
    assert 0.5 < a < 2 and abs(b) < 0.5


@pytest.mark.parametrize("bad", [-1, float("nan"), float("inf")])
def test_a_bad_deficit_is_refused(bad) -> None:
    with pytest.raises(UserInputError, match="deficit"):
        LabelGroups(deficit=bad)


@pytest.mark.parametrize("bad", ["deficit=-1", "deficit=Infinity", "deficit=abc"])
def test_the_cli_refuses_a_bad_deficit_in_one_line(tmp_path, capsys, bad) -> None:
    from trojanscope.cli.main import run

    path = tmp_path / "t.csv"
    path.write_text("a,b,y\n" + "".join(f"{i % 3},{i % 5},{i % 2}\n" for i in range(60)))
    code = run(["detect-data", str(path), "--label-column", "y", "-m", "label-groups",
                "-p", bad])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "deficit" in err, err
