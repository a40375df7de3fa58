"""README's status table held to its form: rows short, status first, history linked (stop 60).

    python benchmarks/readme_status_rows.py [README] [--limit N]

Up to stop 59 each stop appended to its row of README's "Where each capability stands" table,
until rows ran to 5,000 characters a new user could not read. Since stop 60 a row carries the
current state only and the stop-by-stop record lives in docs/status-history.md. This prints each
row's length as read (link targets left out) and as written, and exits 1 naming every row that
does not start with ``**met**`` or ``**not yet**``, lacks a link to its status-history section,
or reads longer than ``--limit`` characters (default 600: the rows aim at about 450).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HEADING = "## Where each capability stands"
HISTORY_LINK = re.compile(r"\]\(docs/status-history\.md#[^)\s]+\)")


def status_rows(readme: str) -> list[tuple[str, str, str]]:
    """(capability, commands, text) of each row of the table under HEADING."""
    lines = readme.split("\n")
    if HEADING not in lines:
        raise ValueError(f"no '{HEADING}' heading")
    rows = []
    for line in lines[lines.index(HEADING) + 1:]:
        if line.startswith("## "):
            break
        if line.startswith("| ") and not line.startswith(("| capability ", "|---")):
            cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
            if len(cells) != 3:
                raise ValueError(f"a status row without three cells: {line[:60]}")
            rows.append((cells[0], cells[1], cells[2]))
    return rows


def visible_length(text: str) -> int:
    """Characters a reader sees: a link's target left out, its text kept."""
    return len(re.sub(r"\]\([^)]*\)", "]", text))


def problems(row: tuple[str, str, str], limit: int) -> list[str]:
    """What in one row breaks the table's form (empty when nothing does)."""
    capability, _, text = row
    found = []
    if not text.startswith(("**met**", "**not yet**")):
        found.append("does not start with **met** or **not yet**")
    if not HISTORY_LINK.search(text):
        found.append("has no link to docs/status-history.md#...")
    if visible_length(text) > limit:
        found.append(f"reads {visible_length(text)} characters (limit {limit})")
    return [f"{capability}: {p}" for p in found]


def main(argv: list[str]) -> int:
    """Each row's lengths on stdout, what breaks the form on stderr: 0 every row in form, 1 some
    row out of it, 2 a README that cannot be read or has no status table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("readme", nargs="?", type=Path, default=REPO / "README.md")
    parser.add_argument("--limit", type=int, default=600)
    args = parser.parse_args(argv)
    try:
        rows = status_rows(args.readme.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"error: {args.readme}: {exc}", file=sys.stderr)
        return 2
    found = []
    print(f"{'read':>5} {'written':>7}  capability")
    for row in rows:
        print(f"{visible_length(row[2]):5d} {len(row[2]):7d}  {row[0]}")
        found += problems(row, args.limit)
    print("\n".join(found) if found else f"{len(rows)} rows in form", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
