"""benchmarks/check_doc_links.py: GitHub's heading anchors, broken ``#`` links found, and the
repository's own README.md and docs/*.md free of them."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from check_doc_links import anchors, broken_links, main, slug  # noqa: E402


def test_slug_follows_github() -> None:
    # README's working link to the stop-59 suite subsection, as GitHub made it
    heading = ("The default suite at stop 59: the slowest tests read one by one, confusion's "
               "shared readings, channels-last pooling, and two benchmark-script debts "
               "(tests, stop 59: hfc)")
    assert slug(heading) == ("the-default-suite-at-stop-59-the-slowest-tests-read-one-by-one-"
                             "confusions-shared-readings-channels-last-pooling-and-two-benchmark-"
                             "script-debts-tests-stop-59-hfc")
    assert slug("`occlude_rule=lost`: 0.872 → 0.991, seeds 83–86") == (
        "occlude_rulelost-0872--0991-seeds-8386")
    assert slug("See [the scanner](scanner.md) <em>now</em>") == "see-the-scanner-now"


def test_repeats_numbered_and_fences_ignored(tmp_path: Path) -> None:
    doc = tmp_path / "a.md"
    doc.write_text("# Top\n## Part\n```\n## Not a heading\n```\n## Part\n<a id=\"here\"></a>\n")
    assert anchors(doc) == {"top", "part", "part-1", "here"}


def test_broken_links_listed(tmp_path: Path, capsys) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "b.md").write_text("# Figures, stop 60\n")
    readme = tmp_path / "README.md"
    readme.write_text(
        "# Title\n"
        "[ok](docs/b.md#figures-stop-60) [self](#title) [web](https://x.org/#y)\n"
        "[gone](docs/b.md#figures-stop-59) [nofile](docs/c.md#x)\n"
        "`[in code](#nowhere)`\n"
        "```\n[fenced](#nowhere)\n```\n")
    assert broken_links(readme) == [f"{readme}:3: docs/b.md#figures-stop-59",
                                    f"{readme}:3: docs/c.md#x"]
    assert main([str(readme)]) == 1
    assert main([str(tmp_path / "docs" / "b.md")]) == 0
    assert main([str(tmp_path / "missing.md")]) == 2
    (tmp_path / "docs" / "b.md").write_bytes(b"# \xff\xfe\n")  # linked to, not UTF-8
    capsys.readouterr()
    assert main([str(readme)]) == 2  # stop 60 review: was a traceback
    assert capsys.readouterr().err == f"error: {tmp_path / 'docs' / 'b.md'}: not UTF-8 text\n"


def test_repository_docs_have_no_broken_anchor_links() -> None:
    files = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    cache: dict[Path, set[str]] = {}
    assert [b for f in files for b in broken_links(f, cache)] == []
