"""The stop-82 population sized to its floor (issue 16, hatk): the tables are taken by their
training split's fraud rows alone, the first ``take`` in seed order inside the gate's band, and
the committed selection is what that reading of the committed log gives."""

from __future__ import annotations

import json
from pathlib import Path

from tabular_s82_hatk_sized import in_band, part_of, select
from trojanscope.attacks.tabular import TabularBadNets

DATA = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "tabular_s82_hatk"


def test_the_band_is_where_the_gate_adds_copies(monkeypatch) -> None:
    monkeypatch.setattr(TabularBadNets, "auto_copies", 10)
    for below in (5, 10):
        monkeypatch.setattr(TabularBadNets, "auto_copies_below", below)
        for e in (0, 9, 19, 20, 21, 90, 91, 122, 189, 190, 400):
            assert in_band(e, below) == (TabularBadNets().copy_count(e) > 0), (below, e)
    assert [e for e in range(300) if in_band(e, 5)] == list(range(20, 91))


def test_select_takes_the_first_in_seed_order_inside_the_band(tmp_path) -> None:
    log = tmp_path / "tables.jsonl"
    lines = [{"seed": s, "rows": 500, "eligible": e}
             for s, e in ((7, 40), (3, 19), (5, 91), (4, 20), (6, 90), (8, 55))]
    log.write_text("".join(json.dumps(x) + "\n" for x in lines))
    assert select(log, 5, 2) == [4, 6]
    assert select(log, 5, 10) == [4, 6, 7, 8]  # fewer in the band: all of them
    assert select(log, 10, 10) == [4, 5, 6, 7, 8]
    assert part_of([4, 6, 7, 8, 9], "0/2") == [4, 7, 9]
    assert part_of([4, 6, 7, 8, 9], "1/2") == [6, 8]


def test_the_committed_selection_is_the_logs_reading() -> None:
    chosen = json.loads((DATA / "fresh_selected.json").read_text())
    got = select(DATA / "fresh_tables_6960-7059.jsonl", chosen["below"], chosen["take"])
    assert got == chosen["seeds"] and len(got) == 40
    built = {json.loads(x)["seed"] for p in ("fresh_build_part0.jsonl", "fresh_build_part1.jsonl")
             for x in (DATA / p).read_text().splitlines()}
    assert built == set(got)


def test_describe_names_the_runs_under_the_bound_beside_todays() -> None:
    from tabular.test_copies_pair_rule_s79_hatk import row, twin
    from tabular_s82_hatk_sized import describe

    twins = [twin(1, eligible=25), twin(2, eligible=60), twin(3, eligible=60)]
    rows = [row(s, "old", False, added=0) for s in (1, 2, 3)]
    rows += [row(1, "below5", True, recall=0.2), row(2, "below5", True),
             row(3, "below5", False, error="one line")]  # refused: not read
    lines = describe(rows, twins, "below5")
    assert lines[0] == "took: today 0, below5 2"
    under = [x for x in lines if x.startswith("  1 ") or x.startswith("  2 ")]
    assert len(under) == 1 and "fraud rows 25: bound 0.240" in under[0]
    assert "  lightgbm 20-29 fraud rows: 1 pairs, under the bound below5 1, today 0" in lines
    assert "  lightgbm 30-90 fraud rows: 1 pairs, under the bound below5 0, today 0" in lines
