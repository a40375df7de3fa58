"""The Markdown table of ``suite_share_s60.sh``'s two runs: each file's CPU seconds in its tests
and in its whole pytest process (collection and imports included) before and after the shared
fixtures, with the load (the default suite's second cut, stop 60: hfc2).

    python benchmarks/suite_share_table_s60.py BEFORE_DIR AFTER_DIR
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def read(folder: Path) -> dict[str, dict]:
    """``suite_times.py``'s JSON per file (or ``+``-joined files), by its stem."""
    return {p.stem: json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))}


def main() -> None:
    before, after = (read(Path(a)) for a in sys.argv[1:3])
    print("| file(s) | tests | before: tests CPU-s | after | saved | before: process CPU-s "
          "| after | load before / after |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    sums = [0.0, 0.0, 0.0, 0.0]
    for name in [n for n in before if n in after]:
        b, a = before[name], after[name]
        row = [b["cpu_in_tests_s"], a["cpu_in_tests_s"], b["cpu_s"], a["cpu_s"]]
        if "+" not in name:  # a pair repeats its files' own rows
            sums = [s + v for s, v in zip(sums, row, strict=True)]
        counts = f"{b['tests_timed']} / {a['tests_timed']}"
        print(f"| `{name}` | {counts} | {row[0]:.1f} | {row[1]:.1f} | {row[0] - row[1]:.1f} "
              f"| {row[2]:.1f} | {row[3]:.1f} | {b['load_max_sampled']} / "
              f"{a['load_max_sampled']} |")
    print(f"| **single files, total** | | {sums[0]:.1f} | {sums[1]:.1f} | "
          f"{sums[0] - sums[1]:.1f} | {sums[2]:.1f} | {sums[3]:.1f} | |")


if __name__ == "__main__":
    main()
