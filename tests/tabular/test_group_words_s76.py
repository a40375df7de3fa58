"""Stop 76 (hcmd's first contact): `detect-data transactions.csv --label-column is_fraud` read
`Age = 21 with label 0 (5 rows, score 1.95, raised by values)`: "values" is the screen's
internal name, which a user reads no meaning in. The words now say what raised the group; the
JSON's ``screen`` key is as before."""

from __future__ import annotations

from trojanscope.detect.data.group_words import SCREEN_WORDS, group_words
from trojanscope.detect.data.label_groups import SCREEN_KEYS


def test_each_screen_is_said_in_plain_words() -> None:
    names = {name for _, name in SCREEN_KEYS} | {"values", "pairs"}
    assert names <= set(SCREEN_WORDS), names - set(SCREEN_WORDS)
    words = group_words({"column": "Age", "value": "21", "label": 0, "rows": 5,
                         "score": 1.951, "screen": "values"})
    assert words == ("Age = 21 with label 0 (5 rows, score 1.95: rows sharing this value carry "
                     "this label more often than the table's other rows; screen values)")
    assert "raised by" not in words
    rare = group_words({"column": "grade", "value": "G5", "label": 1, "rows": 9, "score": 3.2,
                        "screen": "rares", "screen_z": 3.456})
    assert rare.endswith("rows sharing a rare value that look like another label's rows; "
                         "screen rares at z 3.46)")
