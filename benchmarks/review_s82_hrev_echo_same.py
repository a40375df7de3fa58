"""Stop 82 review (hrev): the echoes screen's groups and bar on a few fraud tables, one JSON
line a table with the CPU seconds of ``echo_groups``, so that a mend's reading can be checked
row for row against ``main``'s (run once with each tree first on PYTHONPATH, then diff the
lines but the ``cpu_s``). Tables: hdd's stop 81 fraud maker (with and without 4 relabelled
rows) and its stop 82 rated table (a rate and the grade it fixes). Usage:
``python benchmarks/review_s82_hrev_echo_same.py OUT.jsonl SEED [SEED ...]``."""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "tabular"))

from test_echo_links_s82_hdd import rated_table
from test_echoes_s81_hdd import codes_of, fraud_table

from trojanscope.detect.data.label_echoes import echo_groups


def main(out: str, seeds: list[int]) -> None:
    with open(out, "w") as fh, tempfile.TemporaryDirectory() as tmp:
        for seed in seeds:
            tables = {"plain": fraud_table(seed, n=1500)[0],
                      "relabel4": fraud_table(seed, n=1500, relabel=4)[0],
                      "rated": rated_table(seed)[0]}
            for name, df in tables.items():
                codes, labels = codes_of(df, Path(tmp))
                start = time.process_time()
                groups, bar = echo_groups(codes, labels)
                cpu = time.process_time() - start
                fh.write(json.dumps({"seed": seed, "table": name, "bar": bar,
                                     "groups": [[[int(r) for r in g["members"].nonzero()[0]],
                                                 g["score"]] for g in groups],
                                     "cpu_s": round(cpu, 3)}) + "\n")
                fh.flush()


if __name__ == "__main__":
    main(sys.argv[1], [int(s) for s in sys.argv[2:]])
