"""TSA120's count floor (issue 12 stop 79, hrow): what the exact 95% interval lets the audit say
about a ``mitigate`` record's figure, by count, and how it reads the records kept from spent
runs. No model is loaded and no population is scored: the floor is a statement of sampling
error, so nothing here tunes it.

    PYTHONPATH=src:benchmarks python benchmarks/record_floor_s79_hrow.py table
    PYTHONPATH=src:benchmarks python benchmarks/record_floor_s79_hrow.py records FILE.json ...

``table``: for n inputs, the fewest successes k whose interval's lower end clears the 10% bar
(a figure of k/n or more is judged high/medium as before; under it the finding is low, "too
few inputs to tell"), and the chance that a true rate of exactly 10% gives k or more of n.
``records``: each file a ``mitigate`` record (a ``manifest.json`` with ``mitigation``, or the
record itself): the figure judged, its count, the interval and the severity read.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from trojanscope.audit.steps_record import residue
from trojanscope.mitigate.record_count import rate_interval
from trojanscope.mitigate.run import STILL_ASR

COUNTS = (2, 3, 5, 10, 18, 20, 30, 50, 90, 100, 200)


def smallest_clearing(n: int) -> int | None:
    """The fewest successes of ``n`` whose exact 95% interval lies above :data:`STILL_ASR`."""
    return next((k for k in range(n + 1) if rate_interval(k / n, n)[0] > STILL_ASR), None)


def table() -> None:
    from scipy.stats import binom

    print("| inputs n | fewest k that clears 10% | k/n | P(k or more of n at a true 10%) |")
    print("|---|---|---|---|")
    for n in COUNTS:
        k = smallest_clearing(n)
        if k is None:
            print(f"| {n} | none | | |")
            continue
        print(f"| {n} | {k} | {k / n:.2%} | {float(binom.sf(k - 1, n, STILL_ASR)):.4f} |")


def records(paths: list[str]) -> None:
    print("| record | figure | after | inputs | 95% interval | severity |")
    print("|---|---|---|---|---|---|")
    for path in paths:
        raw = json.loads(Path(path).read_text())
        record = raw.get("mitigation", raw)
        left = residue(record)
        if left is None:
            print(f"| {path} | | | | | none |")
            continue
        span = ("no count: judged as before" if left.interval is None else
                f"{left.interval[0]:.2%}-{left.interval[1]:.2%}")
        print(f"| {path} | {left.key} | {left.after:.2%} | {left.inputs or ''} | {span} | "
              f"{left.level.label} |")


def main(argv: list[str]) -> int:
    if argv[:1] == ["table"] and len(argv) == 1:
        table()
        return 0
    if argv[:1] == ["records"] and len(argv) > 1:
        records(argv[1:])
        return 0
    print("usage: record_floor_s79_hrow.py table | records FILE.json ...", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
