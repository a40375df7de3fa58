"""The twins screen's options are ``label-groups``' (issue 9 stop 80, hcmd): docs/tabular.md and
docs/detect-data.md said "``-p twins=0`` turns it off" and a user's ``detect-data
runs/fraud-copies -p twins=0`` was refused ("data-detector 'auto' has no parameter(s) twins");
the pages now write ``-m label-groups -p twins=0``, which runs."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from trojanscope.cli.main import run

DOCS = Path(__file__).resolve().parents[3] / "docs"


def _twins_spans(text: str) -> list[str]:
    return [s for s in re.findall(r"`([^`]+)`", text) if re.search(r"-p twin(s|_null)\b", s)]


def test_the_pages_give_the_method_with_the_twins_options() -> None:
    tabular = (DOCS / "tabular.md").read_text()
    screen = tabular[tabular.index("**The `twins` screen**"):
                     tabular.index("Columns whose values are all numbers")]
    detect_data = (DOCS / "detect-data.md").read_text()
    paragraph = next(p for p in detect_data.split("\n\n") if "twin_excess" in p)
    spans = _twins_spans(screen) + _twins_spans(paragraph)
    assert len(spans) >= 4, spans
    assert all("label-groups" in s for s in spans), spans


def test_the_documented_line_runs_and_the_bare_option_is_refused(tmp_path, capsys) -> None:
    rng = np.random.default_rng(0)
    rows = ["a,b,label"] + [f"{rng.integers(0, 5)},{rng.choice(['x', 'y', 'z'])},"
                            f"{int(rng.random() < 0.2)}" for _ in range(60)]
    table = tmp_path / "t.csv"
    table.write_text("\n".join(rows) + "\n")
    base = ["detect-data", str(table), "--label-column", "label"]
    assert run([*base, "-m", "label-groups", "-p", "twins=0"]) in (0, 1)
    capsys.readouterr()
    assert run([*base, "-p", "twins=0"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "give --method label-groups" in err, err
