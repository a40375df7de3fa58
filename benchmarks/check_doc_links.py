"""Every ``#anchor`` link in README.md and docs/*.md checked against the headings (stop 60).

    python benchmarks/check_doc_links.py [FILE ...]     # default: README.md and docs/*.md

A heading's anchor is computed as GitHub computes it: the heading's text as rendered (link
targets, code ticks and HTML tags dropped), lowercased, every character that is not a letter, a
digit, a space, ``-`` or ``_`` removed, each space turned into ``-``; a repeated anchor in one
file gets ``-1``, ``-2``, ... Explicit ``<a id=...>`` / ``<a name=...>`` anchors count too.
Headings and links inside fenced code blocks are ignored. A link is ``[text](path#anchor)``
(``path`` relative to the linking file; empty for the same file); one whose file is missing or
whose anchor no heading of that file makes is printed as ``FILE:LINE: target``. Exit 1 when any
is broken, 0 otherwise. Links without ``#`` and links to other sites are not checked.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HEADING = re.compile(r"^(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
LINK = re.compile(r"\[(?:[^\[\]]|\[[^\]]*\])*\]\(([^)\s]*#[^)\s]*)\)")
HTML_ANCHOR = re.compile(r"<a\s+(?:id|name)=\"([^\"]+)\"", re.IGNORECASE)
FENCE = re.compile(r"^\s*(```|~~~)")


def slug(heading: str) -> str:
    """GitHub's anchor for a heading's markdown text (without the leading ``#`` marks)."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # links and images: their text
    text = re.sub(r"<[^>]+>", "", text)  # inline HTML tags
    text = text.replace("`", "").lower()
    text = re.sub(r"[^\w\- ]", "", text)  # \w keeps letters, digits and _ of any script
    return text.replace(" ", "-")


def outside_fences(text: str) -> list[tuple[int, str]]:
    """(line number, line) of every line outside fenced code blocks."""
    kept, fenced = [], False
    for number, line in enumerate(text.split("\n"), start=1):
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            kept.append((number, line))
    return kept


def read_text(path: Path) -> str:
    """``path``'s text; a file that is not UTF-8: ValueError naming it (main's one line)."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not UTF-8 text") from None


def anchors(path: Path) -> set[str]:
    """Every anchor a markdown file makes: heading slugs (repeats numbered) and ``<a id>``."""
    found: set[str] = set()
    seen: dict[str, int] = {}
    for _, line in outside_fences(read_text(path)):
        if "<a " in line:
            found.update(HTML_ANCHOR.findall(line))
        match = HEADING.match(line) if line.startswith("#") else None
        if match:
            base = slug(match.group(2))
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
    return found


def links(path: Path) -> list[tuple[int, str]]:
    """(line number, target) of every ``#`` link in ``path`` to a file of this repository."""
    found = []
    for number, line in outside_fences(read_text(path)):
        if "](" not in line:
            continue
        line = re.sub(r"`[^`]*`", "", line)  # a link written inside code is not a link
        found += [(number, target) for target in LINK.findall(line)
                  if not re.match(r"[a-z][a-z0-9+.-]*:", target, re.IGNORECASE)]  # http:, mailto:
    return found


def broken_links(path: Path, cache: dict[Path, set[str]] | None = None) -> list[str]:
    """``FILE:LINE: target`` for each ``#`` link in ``path`` that resolves to no anchor."""
    cache = {} if cache is None else cache
    broken = []
    for number, target in links(path):
        file_part, _, anchor = target.partition("#")
        goal = (path.parent / file_part).resolve() if file_part else path.resolve()
        if goal not in cache:
            cache[goal] = anchors(goal) if goal.is_file() else set()
        if anchor not in cache[goal]:
            broken.append(f"{path}:{number}: {target}")
    return broken


def main(argv: list[str]) -> int:
    """Check ``argv``'s files (default: README.md and docs/*.md): 0 none broken, 1 some, 2 a
    file missing or not UTF-8 text (one ``error:`` line)."""
    files = [Path(a) for a in argv] or [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        print(f"error: no such file: {', '.join(missing)}", file=sys.stderr)
        return 2
    cache: dict[Path, set[str]] = {}
    try:
        broken = [b for f in files for b in broken_links(f, cache)]
        checked = sum(len(links(f)) for f in files)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print("\n".join(broken) if broken else "no broken links", flush=True)
    print(f"{len(files)} files, {checked} # links, {len(broken)} broken", file=sys.stderr)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
