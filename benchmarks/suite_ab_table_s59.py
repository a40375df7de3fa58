"""The Markdown table of ``suite_ab_s59.sh``'s logs: each test's seconds (setup + call, as
pytest's ``--durations=0`` printed them) under main's src and this branch's, and the run's total
(issue 9 / the suite's time, stop 59: hfc).

    python benchmarks/suite_ab_table_s59.py LOG_DIR
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from pathlib import Path

ROW = re.compile(r"^([0-9.]+)s (setup|call|teardown)\s+(\S+)")
TOTAL = re.compile(r"passed in ([0-9.]+)s")
LOAD = re.compile(r"load ([0-9.]+)")


def read(log: Path) -> tuple[dict[str, float], float | None, list[str]]:
    """Per-test seconds (setups charged to the test that ran them), the total, the loads."""
    per: dict[str, float] = defaultdict(float)
    total, loads = None, []
    for line in log.read_text().splitlines():
        if m := ROW.match(line):
            per[m.group(3)] += float(m.group(1))
        elif m := TOTAL.search(line):
            total = float(m.group(1))
        if line.startswith("==") and (m := LOAD.search(line)):
            loads.append(m.group(1))
    return per, total, loads


def main() -> None:
    folder = Path(sys.argv[1])
    logs = sorted(folder.glob("*ab-*.log"),  # ab-CODE-ROUND.log (suite_ab-… as stored); by round,
                  key=lambda p: (p.stem.rsplit("-", 1)[1], "ab-new" in p.stem))  # main first
    runs = {log.stem.split("ab-", 1)[1]: read(log) for log in logs}
    names = sorted({t for per, _, _ in runs.values() for t in per if per[t] >= 1.0},
                   key=lambda t: -max(r[0].get(t, 0.0) for r in runs.values()))
    print("| test | " + " | ".join(runs) + " |")
    print("|---|" + "---|" * len(runs))
    for t in names:
        print(f"| `{t.removeprefix('tests/')}` | " +
              " | ".join(f"{r[0].get(t, 0.0):.1f}" for r in runs.values()) + " |")
    print("| **pytest total** | " + " | ".join(f"**{r[1]}**" for r in runs.values()) + " |")
    print("| load at start, end | " + " | ".join(", ".join(r[2]) for r in runs.values()) + " |")


if __name__ == "__main__":
    main()
