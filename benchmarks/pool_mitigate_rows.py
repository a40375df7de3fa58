"""Two or more zoos' ``bench_mitigate.py`` results as one population, for a rule read on them
together: each row's model name gets its zoo's label (``2409/badnets-000``), so
``ship_rule_mitigate.py`` compares the pooled models one by one.

    python benchmarks/pool_mitigate_rows.py A.json:2409 B.json:2410 --out POOLED.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def pooled(parts: list[tuple[dict, str]]) -> dict:
    """Each method's rows of every ``(results, label)`` pair, names prefixed ``label/``; a
    method missing from any part is left out (its rows would not cover the population)."""
    methods = set.intersection(*(set(res) for res, _ in parts))
    return {m: {"rows": [{**r, "name": f"{label}/{r['name']}"}
                         for res, label in parts for r in res[m]["rows"]]}
            for m in sorted(methods)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("results", nargs="+", help="FILE:LABEL")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    parts = []
    for item in args.results:
        path, sep, label = item.rpartition(":")
        if not sep or not label:
            raise SystemExit(f"error: {item!r}: give FILE:LABEL")
        parts.append((json.loads(Path(path).read_text()), label))
    args.out.write_text(json.dumps(pooled(parts), indent=2) + "\n")


if __name__ == "__main__":
    main()
