"""Stop 38's rule for the rare-position column (``mahalanobis`` ``rare=true``) as
``detect-inputs``' default (issue 14; docs/benchmarks.md, "issue 14, stop 38"): stop 37's
conditions 0-4 (:mod:`rare_rule_stop37`) on a fresh population (foreign zoo-s35, our own seeds
61-63), with condition 5 a bound instead of "not lower": the worst foreign trigger family's mean
TPR with the column may be lower than today's by at most ``FAMILY_BOUND`` (or by one triggered
input of each of that family's models, where that is more), as condition 3 bounds a model's.
``FAMILY_BOUND`` is read from development noise (:mod:`rare_noise_stop38`).

    PYTHONPATH=src python benchmarks/rare_rule_stop38.py OUT_DIR --cutoff 2026-12-02T06:35:00Z
    PYTHONPATH=src python benchmarks/rare_rule_stop38.py --files A.json B.json   # development
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from rare_rule_stop37 import arguments, decide, pairs, populations

STEM = "rare_stop38"
OWN = [
    ("badnets", 61),
    ("blended", 61),
    ("sparse", 61),
    ("sig", 61),
    ("wanet", 61),
    ("wanet", 62),
    ("wanet", 63),
]
ZOOS = [("s35", 4, 35, True)]
FAMILY_BOUND = 0.01  # TPR of the worst family's mean (docs/benchmarks.md, stop 38: how chosen)


def main() -> None:
    args, ap = arguments("/tmp/h14s38/zoo")
    fp, op = populations(args, ap, STEM, OWN, ZOOS)
    decide(pairs(fp, True), pairs(op, False), family_bound=FAMILY_BOUND)


if __name__ == "__main__":
    main()
