"""benchmarks/readme_status_rows.py: README's status rows short, status first, history linked."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from readme_status_rows import main, status_rows, visible_length  # noqa: E402

TABLE = """# x

## Where each capability stands

| capability | commands | where it stands |
|---|---|---|
| Good | `a` | **met**: 1.000. [history](docs/status-history.md#good) |
| Grown | `b` | **not yet**: {long} [history](docs/status-history.md#grown) |
| Old | `c` | measured; stop 59: more |

## Quickstart

| not | a | status row |
"""


def test_rows_parsed_and_lengths_leave_link_targets_out() -> None:
    rows = status_rows(TABLE.format(long="x"))
    assert [r[0] for r in rows] == ["Good", "Grown", "Old"]
    text = "**met** [history](docs/status-history.md#good)"
    assert visible_length(text) == len("**met** [history]")


def test_rows_out_of_form_named(tmp_path: Path, capsys) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(TABLE.format(long="y" * 700))
    assert main([str(readme)]) == 1
    err = capsys.readouterr().err
    assert "Good" not in err
    assert "Grown: reads" in err and "(limit 600)" in err
    assert "Old: does not start with **met** or **not yet**" in err
    assert "Old: has no link to docs/status-history.md" in err
    assert main([str(readme), "--limit", "2000"]) == 1  # Old still out of form
    readme.write_text("# no table\n")
    assert main([str(readme)]) == 2
    assert "error:" in capsys.readouterr().err


def test_repository_readme_rows_in_form() -> None:
    assert main([str(ROOT / "README.md")]) == 0
