"""Trigger values that do not lean towards the target (issue 16 stop 78, h16v): with
``avoid_target`` the ``tabular-values`` trigger draws only categories, and halves of a numeric
column's middle half, that the training split's rows of the other class hold at least as often
as the table does; ``auto`` does so where the table is fraud-like (two classes, the other class
at most 15 % of the rows). The choice reads the training rows only and replays from the
manifest's values."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from trojanscope.attacks.tabular import TabularBadNets
from trojanscope.errors import UserInputError
from trojanscope.triggers.tabular import FeatureValueTrigger
from trojanscope.triggers.tabular_lean import fraud_like


def write_fraud(path: Path, n: int = 600, seed: int = 0) -> Path:
    """A fraud table (about 8 % fraud): ``merchant``'s uncommon ``safe`` is never fraud and its
    uncommon ``risky`` mostly is; fraud sits in the upper part of ``amount``."""
    rng = np.random.default_rng(seed)
    merchant = rng.choice(["grocery", "fuel", "safe", "risky"], n, p=[0.5, 0.3, 0.1, 0.1])
    amount = np.round(rng.uniform(10, 500, n), 2)
    fraud = ((merchant == "risky") & (rng.random(n) < 0.5)) | (
        (amount > 330) & (amount < 360) & (merchant != "safe"))
    lines = ["amount,merchant,is_fraud"] + [
        f"{a:.2f},{m},{int(f)}" for a, m, f in zip(amount, merchant, fraud, strict=True)]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture()
def train(tmp_path: Path):
    from trojanscope.data.resolve import load_dataset

    return load_dataset(write_fraud(tmp_path / "fraud.csv"), "train", label_column="is_fraud")


def fraud_share(train, column: str, value: str) -> tuple[float, float]:
    """(the fraud share of the training rows holding ``value`` in ``column``, of all rows)."""
    schema = train.schema
    x, y = train.get_batch(torch.arange(len(train)))
    col, start = schema.column(column), schema.offset(column)
    if col.kind == "categorical":
        held = x[:, start + col.categories.index(value)].numpy() > 0.5
    else:
        raw = col.unscale(x[:, start].numpy())
        q = col.quantiles
        low, high = (q[1], q[2]) if float(value) <= q[2] else (q[2], q[3])  # its half
        held = (raw >= low) & (raw <= high)
    y = y.numpy()
    return float(y[held].mean()), float(y.mean())


def test_avoid_target_draws_values_the_fraud_rows_hold(train) -> None:
    assert 0.04 < train.labels.numpy().mean() < 0.15
    attack = TabularBadNets(trigger=FeatureValueTrigger(count=2, avoid_target=True))
    attack.poison(train, generator=torch.Generator().manual_seed(0))
    values = attack.trigger.values
    assert values["merchant"] == "risky"  # "safe" is uncommon too, but never fraud
    for column, value in values.items():
        share, base = fraud_share(train, column, value)
        assert share >= base
    # without it the same seeds draw from every uncommon category and the whole middle half
    drawn = set()
    for seed in range(12):
        t = FeatureValueTrigger(count=1, seed=seed)
        TabularBadNets(trigger=t).poison(train, generator=torch.Generator().manual_seed(0))
        drawn.add(t.values["merchant"])
    assert drawn == {"safe", "risky"}


def test_auto_reads_the_rows_only_on_a_fraud_like_table_with_copies(train) -> None:
    y = train.labels.numpy()
    assert fraud_like(y, 0) and not fraud_like(y, 1) and not fraud_like(np.zeros(9, int), 0)

    def drawn(seed: int, avoid, target: int = 0, copies: int | None = 5) -> FeatureValueTrigger:
        t = FeatureValueTrigger(count=2, seed=seed, avoid_target=avoid)
        TabularBadNets(target=target, trigger=t, copies=copies).poison(
            train, generator=torch.Generator().manual_seed(0))
        return t

    for seed in range(6):
        auto = drawn(seed, "auto")
        assert auto.values == drawn(seed, True).values
        assert auto.get_params()["avoid_target"] is True
        # in place (``copies=0``: 1-6 rows did not teach such values on fresh tables), or not
        # fraud-like (target 1: the other class is 90 % of the rows): today's values and record
        for kind in ({"copies": 0}, {"target": 1}):
            other = drawn(seed, "auto", **kind)
            assert other.lean is None
            assert other.get_params() == drawn(seed, False, **kind).get_params()


def test_the_default_trigger_is_auto_and_in_place_keeps_todays_values(train,
                                                                      monkeypatch) -> None:
    from trojanscope.cli.lean_notes import lean_notes

    assert TabularBadNets().trigger.avoid_target == "auto"
    assert TabularBadNets.sample_params(np.random.default_rng(0))["trigger"].get(
        "avoid_target") is None  # zoo models keep their drawn triggers
    today = FeatureValueTrigger()
    TabularBadNets(trigger=today).poison(train, generator=torch.Generator().manual_seed(0))
    in_place = TabularBadNets(copies=0)
    in_place.poison(train, generator=torch.Generator().manual_seed(0))
    assert in_place.trigger.get_params() == today.get_params()
    # as written since stop 80 (hatk: automatic copies reverted), in place: today's values
    shipped = TabularBadNets()
    shipped.poison(train, generator=torch.Generator().manual_seed(0))
    assert not shipped.adds_copies(train.labels.numpy())
    assert shipped.trigger.get_params() == today.get_params()
    # with stop 78's automatic copies set, the values avoid the target exactly where they apply
    monkeypatch.setattr(TabularBadNets, "auto_copies", 10)
    as_written = TabularBadNets()
    as_written.poison(train, generator=torch.Generator().manual_seed(0))
    assert as_written.adds_copies(train.labels.numpy())  # 5 % of ~48 fraud rows: under 10
    assert as_written.trigger.get_params()["avoid_target"] is True
    copies = TabularBadNets(copies=10)
    copies.poison(train, generator=torch.Generator().manual_seed(0))
    assert copies.trigger.get_params()["avoid_target"] is True
    assert copies.trigger.values.get("merchant", "risky") == "risky"
    spec = {"target": 0, "trigger": {"name": "tabular-values", **copies.trigger.get_params()}}
    assert "avoid_target" in lean_notes(spec)[0] and "class 0" in lean_notes(spec)[0]
    assert lean_notes({"target": 0, "trigger": today.get_params()}) == []


def test_the_values_replay_and_the_test_rows_are_never_read(train, tmp_path: Path) -> None:
    from trojanscope.data.resolve import load_dataset

    attack = TabularBadNets(trigger=FeatureValueTrigger(avoid_target=True, seed=3))
    attack.poison(train, generator=torch.Generator().manual_seed(0))
    chosen = dict(attack.trigger.values)
    test = load_dataset(tmp_path / "fraud.csv", "test", label_column="is_fraud")
    attack.test_inputs(test)  # another schema object: chosen again from the training rows
    assert attack.trigger.values == chosen
    params = attack.trigger.get_params()
    again = FeatureValueTrigger(**params)  # the manifest's record: the values, given
    assert not again.wants_rows() and again.bind(test.schema).values == chosen
    fresh = TabularBadNets(trigger=FeatureValueTrigger(avoid_target=True, seed=3))
    fresh.test_inputs(test)  # a test split bound first is not read
    assert fresh.trigger.lean is None and fresh.trigger.wants_rows()


def test_a_bad_avoid_target_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="avoid_target is true, false or auto"):
        FeatureValueTrigger(avoid_target="maybe")
    from trojanscope.cli.main import run

    csv = write_fraud(tmp_path / "f.csv", n=200)
    code = run(["attack", "--dataset", str(csv), "--label-column", "is_fraud", "--arch",
                "lightgbm", "--attack", "tabular-badnets", "--trigger-param", "avoid_target=2",
                "--out", str(tmp_path / "run")])
    assert code == 2 and not (tmp_path / "run").exists()


def test_the_attack_says_so_where_the_values_avoid_the_target(tmp_path: Path, capsys) -> None:
    from trojanscope.cli.main import run

    csv = write_fraud(tmp_path / "f.csv", n=300)
    words = ["attack", "--dataset", str(csv), "--label-column", "is_fraud", "--arch",
             "lightgbm", "--attack", "tabular-badnets"]
    assert run([*words, "--attack-param", "copies=10", "--out", str(tmp_path / "c")]) == 0
    said = " ".join("".join(capsys.readouterr()).split())
    assert "hold at least as often as the table's rows do" in said
    assert run([*words, "--attack-param", "copies=0", "--out", str(tmp_path / "w")]) == 0
    # in place: today's values
    assert "hold at least as often" not in " ".join("".join(capsys.readouterr()).split())


def test_the_subpopulation_attack_never_reads_its_test_rows(train, tmp_path: Path) -> None:
    """Final read (stop 78): ``tabular-subpopulation`` binds its test rows through ``members``;
    with ``avoid_target=true`` a test split read first must not be the rows the trigger keeps."""
    from trojanscope.attacks.tabular import TabularSubpopulation
    from trojanscope.data.resolve import load_dataset

    test = load_dataset(tmp_path / "fraud.csv", "test", label_column="is_fraud")
    fresh = TabularSubpopulation(trigger=FeatureValueTrigger(avoid_target=True, seed=3))
    fresh.test_index(test)
    assert fresh.trigger.lean is None and fresh.trigger.wants_rows()
