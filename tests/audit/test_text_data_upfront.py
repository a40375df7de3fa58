"""``audit --data`` on a text model is read as its sentences before any step runs (stop 63: a
``review``/``stars`` file passed the up-front check as a table and was refused only at the
detect step, after the scan and the load, or refused up front naming a categorical column).
The model is known as a text model from its JSON files alone: nothing is loaded here."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from trojanscope.audit.data_check import check_audit_data, reads_text
from trojanscope.audit.pipeline import AuditOptions
from trojanscope.cli.main import run
from trojanscope.errors import DataInputError
from trojanscope.testing.hf_corpus import write_benign


def _reviews(path: Path, rows: int, header: tuple[str, str] = ("review", "stars")) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows([f"a film of scene {i}", 5 if i % 2 else 1] for i in range(rows))
    return path


def _text_run(folder: Path) -> Path:
    """A run folder whose manifest names a tokenizer (the weights are never read here)."""
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps({"text": {"encoder": "word"}}))
    return folder


def test_text_models_are_told_from_their_json_files(tmp_path: Path) -> None:
    assert reads_text(_text_run(tmp_path / "run"))
    assert reads_text(write_benign(tmp_path / "hub"))
    image = tmp_path / "image"
    image.mkdir()
    (image / "manifest.json").write_text(json.dumps({"arch": {"name": "cnn"}}))
    assert not reads_text(image) and not reads_text(tmp_path / "nope")
    assert not reads_text(_reviews(tmp_path / "f.csv", 3))


@pytest.mark.parametrize("rows", [60, 300])  # under and over the categorical column's limit
def test_a_file_without_the_text_column_is_refused_before_any_step(tmp_path, rows) -> None:
    data = _reviews(tmp_path / "reviews.csv", rows)
    for model in (_text_run(tmp_path / "run"), write_benign(tmp_path / "hub")):
        with pytest.raises(DataInputError, match=r"no column 'text' \(--text-column\); "
                                                 r"columns: review, stars"):
            check_audit_data(AuditOptions(data=data, label_column="stars"), model)
    check_audit_data(AuditOptions(data=data, label_column="stars", text_column="review"),
                     tmp_path / "run")  # named: read as sentences, accepted


def test_the_cli_refuses_it_in_one_line_and_writes_nothing(tmp_path, capsys,
                                                           monkeypatch) -> None:
    import trojanscope.audit

    def never(*args, **kwargs):
        raise AssertionError("the audit ran: --data was not refused up front")

    monkeypatch.setattr(trojanscope.audit, "run_audit", never)
    data = _reviews(tmp_path / "small.csv", 60)
    reports = tmp_path / "reports"
    code = run(["audit", str(write_benign(tmp_path / "hub")), "--data", str(data),
                "--label-column", "stars", "--report", str(reports), "--no-history"])
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert code == 2 and len(err) == 1 and "no column 'text'" in err[0], err
    assert not reports.exists()  # no INCOMPLETE report: refused before the scan
