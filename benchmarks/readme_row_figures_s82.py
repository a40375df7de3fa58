"""Do README's status rows quote figures their cited subsections hold? (issue 9 stop 82, hcmd)

For each row of README's "Where each capability stands" table, the subsections of
docs/benchmarks.md its links name (by GitHub's heading slug, ``check_doc_links.slug``) are read
whole (heading to the next heading of the same or a higher level), and every figure the row
quotes (a decimal such as 0.947 or 12.3, a percentage, "N of M", a seed range "A–B") is looked
for in that text, ``–`` read as ``-`` and thousands commas dropped. A figure found in none of
the row's subsections is printed: a lead, not a verdict (a row may sum or round what a
subsection gives, or quote a subsection it does not link).

    PYTHONPATH=src:benchmarks python benchmarks/readme_row_figures_s82.py [README]
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from check_doc_links import slug
from readme_status_rows import status_rows

REPO = Path(__file__).resolve().parent.parent
LINK = re.compile(r"\]\(docs/benchmarks\.md#([^)\s]+)\)")
FIGURE = re.compile(r"\d+(?:[.,]\d+)?\s?%|\d+\.\d+|\d+ of \d+|\d{3,5}\s?[–-]\s?\d{3,5}")


def sections(path: Path) -> dict[str, str]:
    """Each heading's slug -> its subsection's text (to the next heading at its level or
    above)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    heads = [(i, len(m.group(1)), m.group(2)) for i, line in enumerate(lines)
             if (m := re.match(r"^(#{1,6}) (.*)$", line))]
    out: dict[str, str] = {}
    for k, (i, level, text) in enumerate(heads):
        end = next((j for j, lv, _ in heads[k + 1:] if lv <= level), len(lines))
        out.setdefault(slug(text), "\n".join(lines[i:end]))
    return out


def norm(text: str) -> str:
    """``–`` as ``-``, no thousands commas, no space before ``%`` or around a range's dash."""
    text = text.replace("–", "-").replace("\u2009", " ")
    text = re.sub(r"(\d),(\d{3})", r"\1\2", text)
    return re.sub(r"(\d)\s+%", r"\1%", re.sub(r"(\d)\s*-\s*(\d)", r"\1-\2", text))


def main(argv: list[str]) -> int:
    readme = Path(argv[0]) if argv else REPO / "README.md"
    text = readme.read_text(encoding="utf-8")
    bench = sections(REPO / "docs" / "benchmarks.md")
    misses = 0
    for capability, _, cell in status_rows(text):
        anchors = LINK.findall(cell)
        cited = norm("\n".join(bench.get(a, "") for a in anchors))
        unknown = [a for a in anchors if a not in bench]
        prose = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", cell)
        missing = sorted({f for f in (norm(m) for m in FIGURE.findall(prose))
                          if f not in cited and f.replace(".0%", "%") not in cited})
        print(f"{capability}: {len(anchors)} subsections cited"
              + (f", {len(unknown)} not found" if unknown else "")
              + (f"; not in them: {', '.join(missing)}" if missing else "; every figure found"))
        misses += len(missing) + len(unknown)
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
