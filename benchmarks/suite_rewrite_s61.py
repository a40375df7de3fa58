"""What pytest's assertion rewriting costs at collection, per test file (stop 61, hfc).

Each ``tests/**/*.py`` is parsed, its asserts rewritten as pytest rewrites them
(``_pytest.assertion.rewrite.rewrite_asserts``) and compiled; the CPU seconds of that are set
against compiling the plain source. Nothing is imported or run. Prints the total and the
costliest files.

    python benchmarks/suite_rewrite_s61.py [--top 15]
"""

from __future__ import annotations

import argparse
import ast
import time
from pathlib import Path

from _pytest.assertion.rewrite import rewrite_asserts

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    """Rewrite-and-compile vs plain-compile CPU seconds per test file, most first."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    rows = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        src = path.read_bytes()
        start = time.process_time()
        tree = ast.parse(src)
        rewrite_asserts(tree, src, str(path), None)
        compile(tree, str(path), "exec", dont_inherit=True)
        rewritten = time.process_time() - start
        start = time.process_time()
        compile(src, str(path), "exec", dont_inherit=True)
        plain = time.process_time() - start
        asserts = sum(isinstance(n, ast.Assert) for n in ast.walk(ast.parse(src)))
        rows.append((rewritten, plain, asserts, str(path.relative_to(ROOT))))
    rows.sort(reverse=True)
    print(f"{len(rows)} files, {sum(r[2] for r in rows)} asserts: rewrite + compile "
          f"{sum(r[0] for r in rows):.1f} CPU-s, plain compile {sum(r[1] for r in rows):.1f}")
    for rewritten, plain, asserts, name in rows[:args.top]:
        print(f"{rewritten:6.2f} {plain:6.2f} {asserts:5d} {name}")


if __name__ == "__main__":
    main()
