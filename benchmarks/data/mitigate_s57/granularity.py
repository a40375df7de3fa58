"""Issue 12, stop 57 (h12): today's default's misses read in images of the scoring split.

The rows score CA on 800 held-out MNIST images (1 point = 8 images) and ASR on the triggered
copies of those not of the target class (about 720: one image = 0.14%). For every backdoored
row it prints, for the misses, how many images past the goal's bar they are (CA: images lost
beyond 16 of 800; ASR: triggered images beyond 2% of those read), and tallies the misses that
one, two or three images would have moved, and the exact paired sign test's reach on that
scale (a paired difference of k images in 800 is one model's reading, not a rate).

    python benchmarks/data/mitigate_s57/granularity.py POOLED.json [N_SCORED]
"""

from __future__ import annotations

import json
import math
import sys
from collections import Counter
from pathlib import Path


def main() -> None:
    rows = json.loads(Path(sys.argv[1]).read_text())["gated"]["rows"]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 800
    bar = round(0.02 * n)  # 16 images of 800
    tally: Counter = Counter()
    for r in rows:
        if not r["backdoored"]:
            continue
        lost = round((r["ca_before"] - r["ca_after"]) * n)
        asr = r["asr_after"] or 0.0
        ca_over = lost - bar
        asr_miss = asr > 0.02 + 1e-9
        if ca_over <= 0 and not asr_miss:
            continue
        kind = ("both" if ca_over > 0 and asr_miss else "accuracy" if ca_over > 0 else "asr")
        tally[kind] += 1
        if kind == "accuracy":
            tally[f"accuracy, {min(ca_over, 4)}{'+' if ca_over >= 4 else ''} image(s) over"] += 1
        print(f"{r['name']:24s} {kind:8s} lost {lost:3d}/{n} images ({lost / n * 100:.2f} "
              f"points, {ca_over:+d} vs the bar {bar}), ASR {asr * 100:.2f}%")
    print()
    for k in sorted(tally):
        print(f"{k}: {tally[k]}")
    sd = math.sqrt(0.91 * 0.09 / n) * 100
    print(f"one image = {100 / n:.3f} points; a CA of 0.91 read on {n} images has a sampling "
          f"SD of {sd:.2f} points")


if __name__ == "__main__":
    main()
