"""Models at issue 12's goal per attack family, per method, in ``bench_mitigate.py``-format
results (one file or a pooled one): the worst family is the one the docs report (issue 12,
stop 54). A family is the attack's name (``clean`` for clean models).

    python benchmarks/goal_by_family.py RESULTS.json [METHOD ...]
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

from trojanscope.mitigate.zoo_eval import MitigationRow


def by_family(rows: list[dict]) -> dict[str, tuple[int, int]]:
    """``{family: (at the goal, models)}``, families sorted by name."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        row = MitigationRow(**r)
        c = counts[row.attack if row.backdoored and row.attack else "clean"]
        c[0] += int(row.meets_goal)
        c[1] += 1
    return {k: (v[0], v[1]) for k, v in sorted(counts.items())}


def main() -> None:
    results = json.loads(Path(sys.argv[1]).read_text())
    for method in sys.argv[2:] or sorted(results):
        fams = by_family(results[method]["rows"])
        worst = min((f for f in fams if f != "clean"), key=lambda f: fams[f][0] / fams[f][1])
        cells = ", ".join(f"{f} {a}/{n}" for f, (a, n) in fams.items())
        print(f"{method}: {cells}; worst {worst} {fams[worst][0]}/{fams[worst][1]}")


if __name__ == "__main__":
    main()
