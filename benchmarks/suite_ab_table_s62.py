"""The Markdown tables of ``suite_ab_s61.sh``'s readings (stop 62, hfc): per group, the process's
tests' CPU seconds and its process's (collection too), and how many passed, under main's tree
(A) and the branch's (B); per test, its CPU
seconds (``suite_times.py``'s TSV: setup, call and teardown, its own process and children) on
both sides where either reads at least ``--min`` seconds.

    python benchmarks/suite_ab_table_s62.py OUT_DIR [--min 1.0]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from suite_where import read_timer_tsvs


def group_rows(out: Path) -> list[tuple[str, dict, dict]]:
    """(group, A's JSON, B's JSON) for every group with both sides read."""
    rows = []
    for a in sorted(out.glob("*.A.json")):
        name = a.name[: -len(".A.json")]
        b = out / f"{name}.B.json"
        if b.is_file():
            rows.append((name, json.loads(a.read_text()), json.loads(b.read_text())))
    return rows


def test_rows(out: Path, name: str, minimum: float) -> list[tuple[str, float, float]]:
    """(node id, A's CPU s, B's CPU s) for the group's tests read at ``minimum`` s or more."""
    a = {node: sec for sec, _, node in read_timer_tsvs([out / f"{name}.A.tsv"])}
    b = {node: sec for sec, _, node in read_timer_tsvs([out / f"{name}.B.tsv"])}
    keep = [n for n in sorted(set(a) | set(b)) if max(a.get(n, 0), b.get(n, 0)) >= minimum]
    return [(n, a.get(n, 0.0), b.get(n, 0.0)) for n in keep]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--min", type=float, default=1.0)
    args = parser.parse_args()
    groups = group_rows(args.out) if args.out.is_dir() else []
    if not groups:
        parser.exit(2, f"error: {args.out}: no group read on both sides (NAME.A.json, "
                       "NAME.B.json)\n")
    print("| group | passed A / B | in tests A | in tests B | change | process A | process B |")
    print("|---|---|---:|---:|---:|---:|---:|")
    total = [0.0] * 4
    for name, a, b in groups:
        cells = [a["cpu_in_tests_s"], b["cpu_in_tests_s"], a["cpu_s"], b["cpu_s"]]
        total = [t + c for t, c in zip(total, cells, strict=True)]
        print(f"| {name} | {a['counts'].get('passed', 0)} / {b['counts'].get('passed', 0)} "
              f"| {cells[0]:.1f} | {cells[1]:.1f} | {cells[1] - cells[0]:+.1f} "
              f"| {cells[2]:.1f} | {cells[3]:.1f} |")
    print(f"| all | | {total[0]:.1f} | {total[1]:.1f} | {total[1] - total[0]:+.1f} "
          f"| {total[2]:.1f} | {total[3]:.1f} |")
    print()
    print("| test | CPU s A | CPU s B |")
    print("|---|---:|---:|")
    for name, _, _ in groups:
        for node, a, b in test_rows(args.out, name, args.min):
            print(f"| `{node}` | {a:.2f} | {b:.2f} |")


if __name__ == "__main__":
    sys.exit(main())
