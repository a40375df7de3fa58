"""Issue 12, stop 58 (h12): the development rows of ``check_sparse_last.py`` (both rows per
model) as a markdown table: CA change in points and in images of the 800 scored, ASR, and
whether each row meets issue 12's goal (``MitigationRow.meets_goal``, the 1e-6 tolerance).

    PYTHONPATH=src python .../dev_table.py DEVS.json:ZOO...
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from trojanscope.mitigate.zoo_eval import MitigationRow

CAND = "gated:sparse_last=1"


def cell(r: MitigationRow) -> str:
    loss = r.ca_after - r.ca_before
    goal = "" if r.meets_goal else " (miss)"
    return f"{100 * loss:+.1f} ({round(loss * 800):+d}) / {100 * (r.asr_after or 0):.1f}%{goal}"


def main() -> None:
    print("| model | today: CA change (images of 800) / ASR | gated:sparse_last=1 "
          "| sparse reach, s |")
    print("|---|---|---|---|")
    for arg in sys.argv[1:]:
        path, zoo = arg.rsplit(":", 1)
        data = json.loads(Path(path).read_text())
        notes = data[CAND].get("notes", {})
        for t, c in zip(data["gated"]["rows"], data[CAND]["rows"], strict=True):
            t, c = MitigationRow(**t), MitigationRow(**c)
            note = notes.get(t.name, {}).get("sparse_last") or {}
            print(f"| {zoo}/{t.name} | {cell(t)} | {cell(c)} | {note.get('reach')}, "
                  f"{note.get('seconds')} |")


if __name__ == "__main__":
    main()
