"""The conjunction trigger and attack (issue 16 stop 37): categories that act only together."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from trojanscope import registry
from trojanscope.attacks.tabular_conjunction import TabularConjunction
from trojanscope.cli.main import run
from trojanscope.data import load_dataset
from trojanscope.errors import UserInputError
from trojanscope.triggers.tabular_conjunction import ConjunctionTrigger
from trojanscope.zoo import build_attack, draw_entries, zoo_attacks

TRIGGER = "merchant=travel,channel=atm"


@pytest.fixture()
def table(transactions: Path):
    return load_dataset(transactions, "train", label_column="is_fraud")


def held(ds, x: torch.Tensor, values: dict[str, str]) -> np.ndarray:
    """(N, k) booleans: which of the trigger's categories each encoded row holds."""
    schema = ds.schema
    out = []
    for column, value in values.items():
        col = schema.column(column)
        out.append(x[:, schema.offset(column) + col.categories.index(value)].numpy() > 0.5)
    return np.stack(out, 1)


def test_drawn_values_are_uncommon_categories_and_recorded(table) -> None:
    trigger = ConjunctionTrigger(count=3, seed=1).bind(table.schema)
    assert len(trigger.values) == 2  # the table has two categorical columns
    for column, value in trigger.values.items():
        col = table.schema.column(column)
        assert col.kind == "categorical"
        assert 0.01 <= col.counts[col.categories.index(value)] / sum(col.counts) <= 0.15
    assert trigger.get_params()["count"] == 2  # what was drawn, not the 3 asked for
    rebuilt = ConjunctionTrigger(**trigger.get_params()).bind(table.schema)
    assert rebuilt.values == trigger.values
    assert trigger.subsets() == [("merchant",), ("channel",)] or trigger.subsets() == [
        ("channel",),
        ("merchant",),
    ]


def test_cover_rows_carry_proper_subsets_only(table) -> None:
    trigger = ConjunctionTrigger(values=TRIGGER).bind(table.schema)
    values = trigger.values
    before = held(table, table.x, values)
    assert before.any(1).any()  # some rows hold a category already: they must not reach all
    keep = ~before.all(1)  # only rows that hold every category by nature are left out
    x = table.x[torch.from_numpy(keep)]
    out = held(table, trigger.apply_noise(x, generator=torch.Generator().manual_seed(0)), values)
    assert out.any(1).all() and not out.all(1).any()  # some, never all
    assert (out >= before[keep]).all()  # what a row held it still holds
    assert out[:, 0].any() and out[:, 1].any()  # each subset drawn
    assert held(table, trigger.apply(x), values).all()


def test_poison_relabels_full_triggers_and_covers_keep_labels(table) -> None:
    attack = TabularConjunction(
        target=0,
        poison_rate=0.3,
        cover_ratio=2.0,
        trigger=ConjunctionTrigger(values=TRIGGER),
        seed=3,
    )
    poisoned = attack.poison(table)
    idx, cover = poisoned.poison_indices, poisoned.cross_indices
    assert len(cover) == round(2.0 * len(idx)) and not set(cover) & set(idx)
    x, y = poisoned.get_batch(torch.arange(len(table)))
    values = attack.trigger.values
    assert held(table, x[idx], values).all() and (y[idx] == 0).all()
    assert torch.equal(y[cover], table.labels[cover])
    assert (table.labels[cover] != 0).all()  # covers keep a label that is not the target
    natural = held(table, table.x[cover], values).all(1)  # rows holding all by nature
    got = held(table, x[cover], values)[~natural]
    assert got.any(1).all() and not got.all(1).any()
    rest = np.setdiff1d(np.arange(len(table)), np.concatenate([idx, cover]))
    assert torch.equal(x[rest], table.x[rest])


def test_zoo_builder_draws_it_when_asked_only(table) -> None:
    assert "tabular-conjunction" not in zoo_attacks("tabular")  # default zoos unchanged
    entries = draw_entries(0, 4, 2, 5, attacks=["tabular-conjunction"], archs=("mlp", "xgboost"))
    assert {e.attack for e in entries} == {"tabular-conjunction"}
    for entry in entries:
        assert entry.trigger["name"] == "tabular-conjunction"
        assert entry.trigger["count"] in (2, 3) and 1 <= entry.attack_params["cover_ratio"] <= 3
        attack = build_attack(entry)
        assert isinstance(attack, TabularConjunction)
        assert len(attack.poison(table).cross_indices) > 0
        x, _, target = attack.test_inputs(table)
        assert held(table, x, attack.trigger.values).all() and (target == entry.target).all()
    stronger = registry.get("attack", "tabular-conjunction").stronger(
        {"poison_rate": 0.02, "cover_ratio": 1.5, "trigger": entries[0].trigger}
    )
    assert stronger["cover_ratio"] == 1.5 and stronger["poison_rate"] > 0.02


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: ConjunctionTrigger(count=1), "count must be 2 or 3"),
        (lambda: ConjunctionTrigger(values="merchant=travel"), "at least two values"),
        (lambda: ConjunctionTrigger(values="a=1,b=2,c=3,d=4"), "at most three values"),
        (lambda: TabularConjunction(cover_ratio=-1), "cover_ratio"),
        (
            lambda: TabularConjunction(trigger=registry.create("trigger", "tabular-values")),
            "must be tabular-conjunction",
        ),
    ],
)
def test_bad_parameters(make, message: str) -> None:
    with pytest.raises(UserInputError, match=message):
        make()


def test_a_numeric_column_is_refused(table) -> None:
    with pytest.raises(UserInputError, match="'amount' is not categorical"):
        ConjunctionTrigger(values="merchant=travel,amount=120").bind(table.schema)


def test_cli_records_the_cover_rows_and_refuses_four_values(
    transactions: Path, tmp_path: Path, capsys
) -> None:
    base = ["-q", "attack", "--dataset", str(transactions), "--label-column", "is_fraud",
            "--arch", "xgboost", "--arch-param", "n_estimators=20", "--arch-param",
            "max_depth=3", "--attack", "tabular-conjunction", "--target", "0", "-r", "0.3",
            "--format", "json"]
    out = tmp_path / "conj"
    assert run([*base, "-p", f"values={TRIGGER}", "--out", str(out)]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    cover = np.load(out / "cover_indices.npy")
    poison = np.load(out / "poison_indices.npy")
    assert manifest["attack"]["cover_count"] == len(cover) > 0
    assert not set(cover) & set(poison) and manifest["attack"]["trigger"]["count"] == 2
    capsys.readouterr()
    four = "merchant=travel,channel=atm,amount=120,age=30"
    assert run([*base, "-p", f"values={four}", "--out", str(tmp_path / "four")]) == 2
    err = capsys.readouterr().err.strip()
    assert "at most three values" in err and len(err.splitlines()) == 1


def test_zoo_make_refuses_a_table_without_room_for_the_trigger_before_training(
    tmp_path: Path, capsys
) -> None:
    rows = ["amount,merchant,label"] + [
        f"{i * 1.5:.2f},{['fuel', 'grocery', 'travel'][i % 3]},{i % 2}" for i in range(120)]
    table = tmp_path / "onecat.csv"
    table.write_text("\n".join(rows) + "\n")
    out = tmp_path / "zoo"
    code = run(["zoo", "make", "--dataset", str(table), "--archs", "xgboost", "--clean",
                "1", "--backdoored", "1", "--attacks", "tabular-conjunction", "--epochs", "1",
                "--out", str(out)])
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error")]
    assert code == 2 and len(err) == 1 and "needs two categorical columns" in err[0], err
    assert not out.exists()  # no clean model trained first


def test_parts_script_measures_the_full_trigger_and_each_part(
    transactions: Path, tmp_path: Path, load_benchmark, capsys
) -> None:
    out = tmp_path / "conj-mlp"
    assert run(["-q", "attack", "--dataset", str(transactions), "--label-column", "is_fraud",
                "--arch", "mlp", "--epochs", "2", "--attack", "tabular-conjunction",
                "--target", "1", "-r", "0.1", "-p", f"values={TRIGGER}", "--out", str(out),
                "--format", "json"]) == 0
    capsys.readouterr()
    script = load_benchmark("tabular_conjunction_parts")
    from trojanscope.io.models import load_model

    ds = load_dataset(transactions, "test", label_column="is_fraud")
    rec = script.part_flips(load_model(out).module.eval(), ds, 1,
                            dict(kv.split("=") for kv in TRIGGER.split(",")))
    assert rec["rows"] > 0 and set(rec["parts"]) == {"merchant", "channel"}
    assert 0.0 <= min(rec["parts"].values()) <= max(rec["parts"].values()) <= 1.0
    assert 0.0 <= rec["full"] <= 1.0
