"""Count where ``gated``'s detector reading on its share and on ``read_least=200``'s samples
disagree, from ``mitigate_class_s78_hwc.py``'s rows (issue 12, stop 78: hwc)::

    python benchmarks/mitigate_class_s78_hwc_sum.py ROWS.jsonl ...
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

GATE = 0.2  # gated's default gate


def first(row: dict | None) -> str:
    """The class the reading puts first and whether it would gate the model open."""
    if row is None:
        return "-"
    if "error" in row:
        return "too few"
    return f"{row['classes'][0]}{'' if row['p'] >= GATE else ' (gated out)'} p={row['p']:.3f}"


def main(paths: list[str]) -> None:
    runs: dict[str, dict[str, dict]] = defaultdict(dict)
    for path in paths:
        for text in Path(path).read_text().splitlines():
            row = json.loads(text)
            runs[row["seed"]][row["share"]] = row
    counts: dict[str, int] = defaultdict(int)
    for name, got in runs.items():
        share, whole, other = got.get("share"), got.get("read200"), got.get("other200")
        if whole is None:  # a reading stopped part way
            print(f"{name:22} not read whole: left out")
            continue
        target = (share or whole)["target"]
        kind = "backdoored" if target >= 0 else "clean"
        counts[kind] += 1
        keys = [first(r).split(" p=")[0] for r in (share, whole, other)]
        if keys[0] != keys[1]:
            counts[f"{kind}: share and read200 disagree"] += 1
            if target >= 0:
                counts["backdoored: read200 names the target, the share not"] += (
                    keys[1] == str(target) and keys[0] != str(target))
                counts["backdoored: the share names the target, read200 not"] += (
                    keys[0] == str(target) and keys[1] != str(target))
        if other is not None and keys[1] != keys[2]:
            counts[f"{kind}: read200 and other200 disagree"] += 1
        flag = "  <-" if len(set(keys[:2])) > 1 or (other is not None and keys[1] != keys[2]) \
            else ""
        print(f"{name:22} target {target:2}: share {first(share):22} read200 {first(whole):22} "
              f"other200 {first(other)}{flag}")
    print()
    for key in sorted(counts):
        print(f"{key}: {counts[key]}")


if __name__ == "__main__":
    main(sys.argv[1:])
