"""Issue 12, stop 59 (h12): plan.md's rule on the pooled fresh rows (pool_mitigate_rows.py's
output), read by stop 56's reader (mitigate_s56/read_rule.py: (A) at least one more backdoored
model at the goal under the candidate, (B) at most one lost, (C) every clean model within 1
point, (D) median time at most 60 s or 1.2x today's) with the candidate's name given, then the
size clause: fewer than 6 backdoored pairs is not met.

    python benchmarks/data/mitigate_s59/read_rule.py POOLED.json CANDIDATE
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    cand = sys.argv.pop(2)  # the s56 reader reads argv[1] only
    spec = importlib.util.spec_from_file_location("s56_rule", HERE.parent / "mitigate_s56" /
                                                  "read_rule.py")
    rule = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(rule)
    rule.CAND = cand
    rule.main()
    pooled = json.loads(Path(sys.argv[1]).read_text())
    names = {r["name"] for r in pooled[cand]["rows"]}
    bad = sum(r["backdoored"] for r in pooled["gated"]["rows"] if r["name"] in names)
    print(f"backdoored pairs read: {bad}: " + ("enough (>= 6)" if bad >= 6 else
                                               "fewer than 6: the rule is not met"))


if __name__ == "__main__":
    main()
