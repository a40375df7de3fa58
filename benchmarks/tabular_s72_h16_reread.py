"""Two readings of the same models on the same 200-row file compared model by model (issue 16
stop 72, h16): whether the code of two commits reads a spent zoo alike (p and every feature).

    PYTHONPATH=src:benchmarks python benchmarks/tabular_s72_h16_reread.py A.json B.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main() -> None:
    if len(sys.argv) != 3:
        raise SystemExit("usage: tabular_s72_h16_reread.py A.json B.json")
    a, b = ({(r["zoo"], r["name"]): r for r in json.loads(Path(p).read_text())["rows"]}
            for p in sys.argv[1:])
    both = sorted(set(a) & set(b))
    if not both:
        raise SystemExit("error: no model read in both files")
    dp = max(abs(a[k]["probability"] - b[k]["probability"]) for k in both)
    df = max(abs(a[k]["features"][f] - b[k]["features"].get(f, float("nan")))
             for k in both for f in a[k]["features"])
    same_t = sum(a[k]["predicted_target"] == b[k]["predicted_target"] for k in both)
    print(f"{len(both)} models in both: largest change of p {dp:.2e}, of any feature {df:.2e}; "
          f"the same target named {same_t}/{len(both)}")


if __name__ == "__main__":
    main()
