"""Stop 82 review (hrev): on a user's table or attack run, the echoes screen's groups read as
stop 81 read them (``LINKED = False``) and as the default reads them (the links), so that a
user's file shows what the links took away. One line a reading: the groups' rows and scores,
and the bar; and, for each reading, how many distinct groups pass the copies' highest score
(more than ``STRUCTURED``: the table is passed over as made of repeated entities). Usage:
``python benchmarks/review_s82_hrev_linked_user.py DATA [LABEL_COLUMN]``."""

from __future__ import annotations

import sys

import numpy as np

import trojanscope.detect.data.label_echoes as echoes
from trojanscope.detect.data.inputs import load_suspect
from trojanscope.detect.data.label_twins import holders
from trojanscope.detect.data.shared_values import table_of, value_codes


def main(path: str, label: str | None) -> None:
    data = load_suspect(path, label).data
    x, schema = table_of(data)
    codes = value_codes(x, schema)
    labels = np.asarray([int(data[i][1]) for i in range(len(data))])
    for linked in (False, True):
        echoes.LINKED = linked
        groups, bar = echoes.echo_groups(codes, labels)
        found = [(np.flatnonzero(g["members"]).tolist(), round(g["score"], 2)) for g in groups]
        print(f"{path} linked={linked}: bar {bar:.2f}, groups {found}")
    held, table = holders(codes), echoes.column_terms(codes)
    for linked in (False, True):
        scores = {np.flatnonzero(g["members"]).tobytes(): g["score"]
                  for g in echoes.echo_scores(codes, labels, held, table, linked)}
        top = max(scores.values(), default=np.inf)
        best = echoes.null_tail(codes, labels, echoes.DRAWS, 0, held, top, table, linked)[0]
        over = sum(v > best for v in scores.values())
        print(f"{path} linked={linked}: top group {top:.2f}, copies' highest {best:.2f}, "
              f"{over} groups over it (passed over above {echoes.STRUCTURED})")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)
