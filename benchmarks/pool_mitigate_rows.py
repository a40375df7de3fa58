"""Two or more zoos' ``bench_mitigate.py`` results as one population, for a rule read on them
together: each row's model name gets its zoo's label (``2409/badnets-000``), so
``ship_rule_mitigate.py`` compares the pooled models one by one.

    python benchmarks/pool_mitigate_rows.py A.json:2409 B.json:2410 --out POOLED.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def pooled(parts: list[tuple[dict, str]]) -> dict:
    """Each method's rows of every ``(results, label)`` pair, names prefixed ``label/``; a
    method missing from any part is left out (its rows would not cover the population). A label
    given twice is refused: two models of one name would be folded into one by the rule."""
    labels = [label for _, label in parts]
    twice = sorted({label for label in labels if labels.count(label) > 1})
    if twice:
        raise ValueError(f"label(s) {', '.join(twice)} given twice: each zoo needs its own")
    methods = set.intersection(*(set(res) for res, _ in parts))
    return {m: {"rows": [{**r, "name": f"{label}/{r['name']}"}
                         for res, label in parts for r in res[m]["rows"]]}
            for m in sorted(methods)}


def refuse(problem: str) -> None:
    """One error line and exit 2, as ``ship_rule_mitigate.py`` does."""
    print(f"error: {problem}", file=sys.stderr)
    raise SystemExit(2)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("results", nargs="+", help="FILE:LABEL")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    parts = []
    for item in args.results:
        path, sep, label = item.rpartition(":")
        if not sep or not label:
            refuse(f"{item!r}: give FILE:LABEL")
        try:
            parts.append((json.loads(Path(path).read_text()), label))
        except (OSError, ValueError) as exc:
            refuse(f"{path}: {exc}")
    try:
        both = pooled(parts)
    except ValueError as exc:
        refuse(str(exc))
    args.out.write_text(json.dumps(both, indent=2) + "\n")


if __name__ == "__main__":
    main()
