"""The before/after table of a refusal-timing run (stop 64): ``early_timing.sh`` prints, for each
line, ``LINE | main|branch | wall user sys exit | error line``; this prints one Markdown row per
line: its wall and CPU (user + sys) seconds under each code and the branch's error line.

    python benchmarks/first_contact_timing_table.py early_timing.txt [--same]

``--same`` (stop 66) adds a column: whether the branch's error line is ``main``'s, word for word.
"""

from __future__ import annotations

import sys
from pathlib import Path

from _common import fail, run_main


def main() -> None:
    same = sys.argv[2:] == ["--same"]
    if len(sys.argv) != 2 and not same:
        fail("usage: first_contact_timing_table.py TIMING.txt [--same]")
    rows: dict[str, dict[str, tuple[float, float, str]]] = {}
    for line in Path(sys.argv[1]).read_text().splitlines():
        cmd, who, times, error = (p.strip() for p in line.split(" | ", 3))
        wall, user, system, _ = times.split()
        rows.setdefault(cmd, {})[who] = (float(wall), float(user) + float(system), error)
    extra = " same words |" if same else ""
    print(f"| line | `main` | this branch | this branch's error line |{extra}")
    print("|---|---|---|---|" + ("---|" if same else ""))
    for cmd, got in rows.items():
        if len(got) != 2:
            continue  # a run cut before the branch's turn
        (mw, mc, before), (bw, bc, error) = got["main"], got["branch"]
        mark = f" {'yes' if before == error else 'no'} |" if same else ""
        print(f"| `{cmd}` | {mw:.1f} s, CPU {mc:.1f} | {bw:.1f} s, CPU {bc:.1f} | "
              f"{error.replace('|', '/')[:170]} |{mark}")


if __name__ == "__main__":
    run_main(main)  # a missing or unreadable file: one error line, exit 2
