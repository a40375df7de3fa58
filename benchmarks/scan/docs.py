"""Replace one ``## `` section of docs/benchmarks.md, leaving everything else untouched."""

from __future__ import annotations

from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs" / "benchmarks.md"
SECTION = "## Supply-chain scanner (issue 4)"


def update_subsection(key: str, body: str) -> None:
    """Inside the scanner section, replace the block between ``<!-- key -->`` markers."""
    DOCS.parent.mkdir(parents=True, exist_ok=True)
    text = DOCS.read_text() if DOCS.exists() else "# Benchmarks\n"
    if SECTION not in text:
        text = text.rstrip("\n") + f"\n\n{SECTION}\n"
    start_tag, end_tag = f"<!-- {key}:start -->", f"<!-- {key}:end -->"
    block = f"{start_tag}\n{body.rstrip()}\n{end_tag}"
    head, _, rest = text.partition(SECTION)
    nxt = rest.find("\n## ")
    section, tail = (rest, "") if nxt < 0 else (rest[:nxt], rest[nxt:])
    if start_tag in section:
        before, _, after = section.partition(start_tag)
        _, _, after = after.partition(end_tag)
        section = before + block + after
    else:
        section = section.rstrip("\n") + "\n\n" + block + "\n"
    DOCS.write_text(head + SECTION + section + tail)
