"""Issue 16 stop 82 (hdd): the echoes screen with linked shared columns counted once
(``echo_links``: a loan's interest rate and its sub-grade, one nearly fixing the other, one
column's worth of surprise) as ``-p echoes=1`` against today's default.

Stop 81's scorer (``detect_echoes_s81_hdd``: ``runs``, ``tables``, ``clean``, ``rule``,
``rates``, ``misses``; today's default pinned as ``twins=1, twin_null=5, echoes=0``, the
candidate ``echoes=1`` read with this branch's screen) with the floors of
``benchmarks/data/detect_echoes_s82_hdd/rule.md``.

    OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks python \\
        benchmarks/detect_echoes_s82_hdd.py runs --runs '/tmp/hdd82/fresh/6*/*-attack' \\
        --json OUT.json
    ... tables --tables '/tmp/hdd82/fresh/6*/*-clean' --json OUT.json
    ... clean --bases 18100,18200 --synthetic 30 --csv '/tmp/hdd82/fresh_real/*/*.csv' \\
        --json OUT.json
    ... rule --runs-json R.json --tables-json T.json --clean-json C.json
"""

from __future__ import annotations

import detect_echoes_s81_hdd as s81

# the rule's floors (rule.md): attack runs, of them with 2+ rows relabelled, clean twins,
# real tables, synthetic tables, bench sets
FLOORS = {"runs": 90, "multi_runs": 45, "twins": 90, "real": 12, "synthetic": 50, "sets": 40}

if __name__ == "__main__":
    s81.FLOORS = FLOORS
    s81.main()
