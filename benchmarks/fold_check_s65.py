"""Compare fold_check_s65.sh's outputs: main's src (``before``) against this tree's (``after``).

Why (tests, stop 65: hfc): a fold must leave every output as it was. Each file under
``before/`` is compared byte for byte with its twin under ``after/`` once what differs from one
run to the next is blanked: dates and times, durations, the BOM's random serial number and the
chart's SVG clip-path and marker ids (matplotlib draws them at random).
Prints one line a file and exits 1 where any differs or either side is missing.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

VARYING = [
    re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(\+00:00|Z)?"),  # dates and times
    re.compile(r'("duration_s"|"elapsed_s"|"seconds"): [0-9.]+'),  # durations in JSON
    re.compile(r"\b\d+(\.\d+)? s\b"),  # durations in prose ("7.9 s")
    re.compile(r"urn:uuid:[0-9a-f-]{36}"),  # the BOM's serial number
    re.compile(r'(?<=[#"])[pm][0-9a-f]{10}\b'),  # matplotlib's SVG clip-path and marker ids
]


def blank(text: str) -> str:
    """``text`` with every run-to-run varying value replaced by ``<v>``."""
    for pattern in VARYING:
        text = pattern.sub("<v>", text)
    return text


def main(argv: list[str]) -> int:
    out = Path(argv[0])
    names = sorted({p.relative_to(out / tag) for tag in ("before", "after")
                    for p in (out / tag).rglob("*") if p.is_file()})
    same = True
    for name in names:
        sides = [out / tag / name for tag in ("before", "after")]
        if not all(p.is_file() for p in sides):
            print(f"{name}: MISSING on one side")
            same = False
            continue
        raw = [p.read_bytes() for p in sides]
        texts = [blank(r.decode("utf-8", errors="replace")) for r in raw]
        ok = texts[0] == texts[1]
        same &= ok
        how = "bytes" if raw[0] == raw[1] else "varying values blanked"
        print(f"{name} ({len(raw[0])} bytes): {'same (' + how + ')' if ok else 'DIFFERS'}")
    print(f"{len(names)} files: " + ("every file the same" if same else "NOT every file the same"))
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
