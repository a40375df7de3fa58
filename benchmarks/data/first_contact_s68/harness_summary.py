"""Stop 68 (hcmd): hrev's early-against-late harness (``read_through_s67_hrev/harness.py``) on
its 50 pairs and this stop's 13 (``harness_cases.txt``), under main and this branch: the pairs
by outcome, then every pair whose outcome or words differ.

    python harness_summary.py harness_main.jsonl harness_branch.jsonl
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

USER = "/tmp/hcmd/s68/user/"
HREV = 50  # the first 50 lines are hrev's cases


def kind(row: dict) -> str:
    early = "early ok" if row["early"] == "ok" else "early refused"
    late = row["late"]
    late = ("late ok" if late == "ok" else "late TRACEBACK" if late.startswith("TRACEBACK")
            else "late refused")
    return f"{early} / {late}"


def main() -> None:
    rows = {tag: [json.loads(line) for line in Path(path).read_text("utf-8").splitlines()]
            for tag, path in zip(("main", "branch"), sys.argv[1:3], strict=True)}
    for tag, got in rows.items():
        print(f"{tag}: all {len(got)}: {dict(Counter(map(kind, got)))}; hrev's {HREV}: "
              f"{dict(Counter(map(kind, got[:HREV])))}; stop 68's {len(got) - HREV}: "
              f"{dict(Counter(map(kind, got[HREV:])))}")
    for a, b in zip(rows["main"], rows["branch"], strict=True):
        if (a["early"], a["late"]) != (b["early"], b["late"]):
            print(f"differs: {b['model'].replace(USER, '')} {b['data'].replace(USER, '')}")
            for tag, row in (("main", a), ("branch", b)):
                print(f"  {tag}: {row['early'][:110]} | {row['late'][:110]}")


if __name__ == "__main__":
    main()
