"""Stop 81 review (hrev): ``label-groups`` lists a group's values through one reading,
``values_of`` (its first column's value, the others' under ``"and"``), for its own groups and
for the two screens read after the cut, ``twins`` and hdd's ``echoes``, which had each written
the listing again; the echoes group names the trigger's values the relabelled rows share."""

from __future__ import annotations

from pathlib import Path

from test_echoes_s81_hdd import fraud_table

from trojanscope import registry
from trojanscope.detect.data.inputs import load_suspect
from trojanscope.detect.data.label_groups import value_of, values_of
from trojanscope.detect.data.run import detect_data
from trojanscope.detect.data.shared_values import table_of


def test_the_echoes_group_lists_the_trigger_values_it_shares(tmp_path: Path) -> None:
    df, rows = fraud_table(0, relabel=3)
    path = tmp_path / "f.csv"
    df.to_csv(path, index=False)
    det = registry.create("data-detector", "label-groups", echoes=1)
    detect_data(load_suspect(path, "is_fraud").data, None, seed=0, method=det)
    group = next(g for g in det.groups if g.get("screen") == "echoes")
    said = {(v["column"], v["value"]) for v in [group, *group.get("and", [])]}
    assert {("merchant", "jewelry"), ("device", "other")} <= said
    assert "balance" in {c for c, _ in said} and group["rows"] == len(rows)


def test_values_of_gives_and_only_beyond_the_first_column(tmp_path: Path) -> None:
    df, _ = fraud_table(0, n=200)
    path = tmp_path / "t.csv"
    df.to_csv(path, index=False)
    x, schema = table_of(load_suspect(path, "is_fraud").data)
    assert values_of(x[0], schema, 4) == value_of(x[0], schema, 4)
    both = values_of(x[0], schema, 4, [5, 0])
    assert both["and"] == [value_of(x[0], schema, 5), value_of(x[0], schema, 0)]
    assert {k: both[k] for k in ("column", "value")} == value_of(x[0], schema, 4)
