"""``detect-data`` on a table whose majority label its screens cannot read (issue 9 stop 81,
hcmd): stop 80's seed-390 fraud table with ``copies=10`` towards "not fraud" (242 rows of
label 0, 28 of label 1) flagged 5 rows of label 1 and none of the 10 triggered copies, and said
nothing of why. The three screens built for poison towards the majority label read groups of
5 rows up to a tenth of the other labels' rows (2 there), and 10 rows all of label 0 are what
chance gives a third of the time at 89.6%: the command now says so, from the labels alone."""

from __future__ import annotations

import json

import numpy as np

from trojanscope.detect.data.majority_reach import majority_unread


def test_stop_80s_fraud_table_is_named_unread():
    note = majority_unread(np.array([0] * 242 + [1] * 28), 5)
    assert note is not None
    assert note.startswith("label 0 holds 89.6% of the 270 rows (28 of other labels)")
    assert "2 here, so they read nothing" in note and "only from 43 rows" in note


def test_tables_the_screens_read_get_no_note():
    assert majority_unread(np.array([0] * 210 + [1] * 90), 5) is None  # 70-30: up to 9 rows
    assert majority_unread(np.array([0] * 100 + [1] * 100), 5) is None  # no majority
    assert majority_unread(np.array([0] * 50), 5) is None  # one label
    assert majority_unread(np.array([0] * 950 + [1] * 50), 5) is None  # 50 others: up to 5


def test_the_note_reaches_detect_data(tmp_path, capsys):
    import pandas as pd

    from trojanscope.cli.main import run

    rng = np.random.default_rng(0)
    rows = 200
    table = pd.DataFrame({"amount": np.round(rng.lognormal(3, 1, rows), 2),
                          "merchant": rng.choice(["grocery", "fuel", "online"], rows),
                          "is_fraud": (np.arange(rows) < 12).astype(int)})
    path = tmp_path / "fraud.csv"
    table.to_csv(path, index=False)
    run(["detect-data", str(path), "--label-column", "is_fraud", "--format", "json"])
    notes = json.loads(capsys.readouterr().out)["notes"]
    assert any(n.startswith("label 0 holds 94.0% of the 200 rows") for n in notes)
    run(["detect-data", str(path), "--label-column", "is_fraud"])
    err = " ".join(capsys.readouterr().err.split())
    assert "poison relabelled to label 0 is hardly read in this table" in err


def test_a_group_holding_most_of_the_table_is_named_a_pattern():
    """Seed 420's clean ``transactions.csv`` (the README tour's line): 190 of 300 rows flagged
    as "Debt = 0 with label 0 (190 rows …)", no word that this is most of the table."""
    from trojanscope.detect.data.large_group import large_group_note

    note = large_group_note([{"rows": 190}], 300, 190)
    assert note is not None and note.startswith(
        "the most suspicious group holds 190 of the table's 300 rows (63%)")
    assert "not a trigger" in note and "read the 190 flags as that pattern" in note
    assert large_group_note([{"rows": 11}], 300, 11) is None  # stop 80's seed-390 draw
    assert large_group_note([{"rows": 190}], 300, 0) is None  # nothing flagged: nothing said
    assert large_group_note([], 300, 5) is None
