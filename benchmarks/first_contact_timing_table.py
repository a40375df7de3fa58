"""The before/after table of a refusal-timing run (stop 64): ``early_timing.sh`` prints, for each
line, ``LINE | main|branch | wall user sys exit | error line``; this prints one Markdown row per
line: its wall and CPU (user + sys) seconds under each code and the branch's error line.

    python benchmarks/first_contact_timing_table.py early_timing.txt
"""

from __future__ import annotations

import sys
from pathlib import Path

from _common import fail, run_main


def main() -> None:
    if len(sys.argv) != 2:
        fail("usage: first_contact_timing_table.py TIMING.txt")
    rows: dict[str, dict[str, tuple[float, float, str]]] = {}
    for line in Path(sys.argv[1]).read_text().splitlines():
        cmd, who, times, error = (p.strip() for p in line.split(" | ", 3))
        wall, user, system, _ = times.split()
        rows.setdefault(cmd, {})[who] = (float(wall), float(user) + float(system), error)
    print("| line | `main` | this branch | this branch's error line |")
    print("|---|---|---|---|")
    for cmd, got in rows.items():
        (mw, mc, _), (bw, bc, error) = got["main"], got["branch"]
        print(f"| `{cmd}` | {mw:.1f} s, CPU {mc:.1f} | {bw:.1f} s, CPU {bc:.1f} | "
              f"{error.replace('|', '/')[:170]} |")


if __name__ == "__main__":
    run_main(main)  # a missing or unreadable file: one error line, exit 2
