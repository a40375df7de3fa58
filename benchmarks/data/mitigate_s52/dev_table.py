"""The development table of ``dev_epochs.py``'s output (issue 12, stop 52: h12): per model the
projection's cost on the method's clean images, and CA change / ASR on the scoring split for
today's default (E0: no repair, then today's ``free_reach`` step) and each epoch count; the
goal counts per column (ASR <= 2% with at most 2 points lost, ``zoo_eval.GOAL``).

    python benchmarks/data/mitigate_s52/dev_table.py DEV.json [--nofree]

(``--nofree``: the repaired columns before today's ``free_reach`` step; E0 is today's either way.)
"""

import json
import sys
from pathlib import Path

GOAL = 0.02 + 1e-9


def cell(before: dict, got: dict) -> tuple[str, bool]:
    """``-1.25 / 0.42%`` and whether it meets the goal."""
    loss = before["ca"] - got["ca"]
    ok = got["asr"] <= GOAL and loss <= GOAL
    return f"{-100 * loss:+.2f} / {100 * got['asr']:.2f}%" + (" ✓" if ok else " ✗"), ok


def main() -> None:
    rows = json.loads(Path(sys.argv[1]).read_text())
    free = len(sys.argv) > 2 and sys.argv[2] == "--nofree"  # the step left out
    cols = sorted({k.removesuffix("-nofree") for r in rows.values() for k in r
                   if k.startswith("E")}, key=lambda k: int(k[1:]))
    print("| model | clean images: input → projected | " + " | ".join(
        "today (E0)" if c == "E0" else c for c in cols) + " |")
    print("|---" * (len(cols) + 2) + "|")
    counts = dict.fromkeys(cols, 0)
    for name, r in sorted(rows.items()):
        if "fit_acc" not in r:
            text, ok = cell(r["before"], r["today"])
            print(f"| {name} | not on the path | " + " | ".join([text] * len(cols)) + " |")
            for c in cols:
                counts[c] += ok
            continue
        fa = r["fit_acc"]
        cells = []
        for c in cols:
            text, ok = cell(r["before"], r[c + "-nofree" if free and c != "E0" else c])
            counts[c] += ok
            cells.append(text)
        print(f"| {name} | {fa['input']:.3f} → {fa['projected']:.3f} | " + " | ".join(cells)
              + " |")
    print(f"| at the goal (of {len(rows)}) | | " + " | ".join(str(counts[c]) for c in cols)
          + " |")


main()
