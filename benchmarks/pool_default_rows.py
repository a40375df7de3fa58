"""One default's rows over zoos scored on different days, as one population: each zoo's file
names the default under its own method string (stop 51's candidate ``gated:free_reach=0.15``
became ``gated`` after its rule), so each part says which method's rows to take. Prints
``bench_mitigate.py``'s two tables and every backdoored model that missed issue 12's goal,
and writes the pooled rows (``--out``: the method under ``--name``, names ``label/model``).

    python benchmarks/pool_default_rows.py --part A.json 2439 'gated:free_reach=0.15' \\
        --part B.json 2441 gated --name gated --out POOLED.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_mitigate import per_attack, table
from pool_mitigate_rows import pooled, refuse
from trojanscope.io.atomic import write_text_atomic
from trojanscope.mitigate.zoo_eval import MitigationRow, summarise


def misses(rows: list[dict]) -> list[str]:
    """``label/model ASR (CA change)`` for every backdoored row short of issue 12's goal."""
    return [f"{r['name']} {r['asr_after']:.1%} ({100 * (r['ca_after'] - r['ca_before']):+.1f})"
            for r in rows if r["backdoored"] and not MitigationRow(**r).meets_goal]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", nargs=3, action="append", required=True,
                    metavar=("FILE", "LABEL", "METHOD"))
    ap.add_argument("--name", required=True, help="the pooled method's name")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    parts = []
    for path, label, method in args.part:
        try:
            results = json.loads(Path(path).read_text())
        except (OSError, ValueError) as exc:
            refuse(f"{path}: {exc}")
        if method not in results:
            refuse(f"{path}: no rows for {method} (has {', '.join(sorted(results))})")
        parts.append(({args.name: results[method]}, label))
    try:
        rows = pooled(parts)[args.name]["rows"]
    except ValueError as exc:
        refuse(str(exc))
    res = {args.name: {"summary": summarise([MitigationRow(**r) for r in rows]), "rows": rows}}
    print(table(res))
    print()
    print(per_attack(res))
    print()
    print("misses: " + "; ".join(misses(rows)))
    write_text_atomic(args.out, json.dumps({args.name: {"rows": rows}}, indent=2) + "\n")


if __name__ == "__main__":
    main()
