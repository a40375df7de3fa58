"""Tables: reading, schema, encoding, bad input, bundled credit sets."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from trojanscope.data import load_dataset
from trojanscope.data.tabular import TabularSchema
from trojanscope.data.tabular.schema import MISSING
from trojanscope.data.tabular.table import read_csv, table_dataset
from trojanscope.errors import UserInputError


def test_csv_loads_with_schema_and_encoding(transactions: Path) -> None:
    train = load_dataset(transactions, "train", label_column="is_fraud")
    test = load_dataset(transactions, "test", label_column="is_fraud")
    assert len(train) + len(test) == 400 and train.class_names == ("0", "1")
    schema = train.schema
    names = schema.feature_names()
    assert names[:3] == ["amount", "age", f"age={MISSING}"]
    assert "merchant=5999" in names and "channel=atm" in names
    assert train.x.shape == (len(train), len(names)) and train.x.dtype.is_floating_point
    assert float(train.x.min()) >= 0 and float(train.x.max()) <= 1
    age = schema.column("age")
    assert age.kind == "numeric" and age.integer and age.has_missing
    assert schema.column("merchant").kind == "categorical"
    # every row has exactly one category per categorical column
    start = schema.offset("merchant")
    width = schema.column("merchant").width
    assert np.all(train.x[:, start : start + width].sum(1).numpy() == 1)


def test_schema_round_trips_and_describes_features(transactions: Path) -> None:
    schema = load_dataset(transactions, "all", label_column="is_fraud").schema
    again = TabularSchema.from_dict(schema.to_dict())
    assert again == schema
    amount = schema.column("amount")
    assert schema.describe(0, amount.scale(123.45)) == ("amount", "123.45")
    pos = schema.feature_names().index("merchant=travel")
    assert schema.describe(pos, 1.0) == ("merchant", "travel")


def test_gzip_csv_and_label_guess(tmp_path: Path) -> None:
    path = tmp_path / "d.csv.gz"
    path.write_bytes(gzip.compress(b"a,b,label\n1,x,0\n2,y,1\n3,x,0\n4,y,1\n5,x,1\n"))
    ds = load_dataset(path, "all")
    assert ds.schema.label == "label" and len(ds) == 5


def test_encoding_with_a_models_schema(transactions: Path, tmp_path: Path) -> None:
    schema = load_dataset(transactions, "all", label_column="is_fraud").schema
    new = tmp_path / "new.csv"
    new.write_text("amount,age,merchant,channel,is_fraud\n9999,30,fuel,web,1\n1,,5999,pos,0\n")
    ds = table_dataset(read_csv(new), "all", name="new", source=str(new), schema=schema)
    assert float(ds.x[0, 0]) == 1.0  # beyond the training maximum: clipped
    bad = tmp_path / "bad.csv"
    bad.write_text("amount,age,merchant,channel,is_fraud\n10,30,casino,web,1\n1,2,fuel,pos,0\n")
    with pytest.raises(UserInputError, match="unseen category 'casino'"):
        table_dataset(read_csv(bad), "all", name="bad", source=str(bad), schema=schema)


@pytest.mark.parametrize(
    ("text", "label", "message"),
    [
        ("a,b,y\n1,2,0\n3,4\n", "y", "line 3 has 2 fields, the header has 3"),
        ("a,b,y\n" + "".join(f"{i},x,{i % 2}\n" for i in range(40)) + "oops,x,1\n", "y",
         "column 'a' row 41: non-numeric value 'oops'"),
        ("a,b,y\n1,2,0\n3,4,0\n", "y", "label column 'y' has one class"),
        ("a,b,y\n1,2,0\n3,4,1\n", "target", "no label column 'target'"),
        ("a,b,c\n1,2,0\n3,4,1\n", None, "name the label column with --label-column"),
        ("a,b,y\n1,2,0\n3,4,\n", "y", "label column 'y' row 2 is empty"),
        ("a\n", "y", "header row and at least one data row"),
    ],
)
def test_bad_tables_fail_with_one_clear_error(
    tmp_path: Path, text: str, label: str | None, message: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(UserInputError, match=message):
        load_dataset(path, "all", label_column=label)


def test_label_column_only_for_tables(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="--label-column applies to user tables"):
        load_dataset("digits", "train", label_column="y")
    npz = tmp_path / "d.npz"
    np.savez(npz, x=np.zeros((4, 1, 2, 2), np.float32), y=np.array([0, 1, 0, 1]))
    with pytest.raises(UserInputError, match="--label-column do not apply to npz data"):
        load_dataset(npz, "all", label_column="y")


@pytest.mark.parametrize(("name", "rows", "bad_share"), [("credit-default", 4454, 0.28),
                                                          ("lending-club", 9857, 0.052)])
def test_bundled_credit_sets(name: str, rows: int, bad_share: float) -> None:
    full = load_dataset(name, "all")
    assert len(full) == rows and full.class_names == ("good", "bad")
    assert abs(float(full.y.float().mean()) - bad_share) < 0.01
    assert full.schema.num_features == full.x.shape[1]
    assert any(c.kind == "categorical" for c in full.schema.columns)


def test_a_gzip_csv_expanding_past_the_cap_is_refused(tmp_path, monkeypatch) -> None:
    import gzip

    from trojanscope.data.tabular import table

    monkeypatch.setattr(table, "MAX_CSV_BYTES", 1000)
    path = tmp_path / "big.csv.gz"
    path.write_bytes(gzip.compress(b"a,b\n" + b"1,2\n" * 1000))
    with pytest.raises(UserInputError, match="expands to more than"):
        table.read_csv(path)


def test_version_tuple_reads_release_and_dev_versions() -> None:
    from trojanscope.data.tabular.table import _version_tuple

    assert _version_tuple("14.0.1") == (14, 0, 1)
    assert _version_tuple("13.0.0.dev5") == (13, 0, 0)
    assert _version_tuple("21.0.0rc1") == (21, 0, 0)
    assert _version_tuple("14.0.1") >= (14, 0, 1) > _version_tuple("13.99")
