"""Stop 73 (hrev): below ``WIDE`` columns ``print_rows``'s records padded each field line with
spaces to the console's width (80 lines of ``detect``'s evidence, each up to 80 columns, in a
pipe or a CI log). A record's lines end where its values end; a long value still folds."""

from __future__ import annotations

from rich.console import Console

from trojanscope.report.console import print_rows


def test_records_are_not_padded_to_the_width() -> None:
    console = Console(width=80, record=True, force_terminal=False)
    print_rows(console, ("class", "score", "anomaly"),
               [["class 5", "41.46", "1.29"], ["class 4", "37.4", "7" * 150]], title="evidence")
    lines = console.export_text().splitlines()
    assert lines[2] == "    score:   41.46"
    assert all(len(line) - len(line.rstrip()) <= 1 for line in lines[:5])
    assert "".join(line.strip() for line in lines[6:]).count("7") == 150  # folded, not cropped
