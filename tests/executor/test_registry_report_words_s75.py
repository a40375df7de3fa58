"""Stop 75 (hcmd): ``audit-registry`` with a non-empty ``--report`` (the README tour's
``--resume`` line had written ``reports/``; docs/scale-out.md's next line reuses it) names both
ways on, ``--force`` and ``--resume``, in its one error line."""

from __future__ import annotations

from trojanscope.cli.main import run


def test_a_full_report_folder_names_force_and_resume(tmp_path, capsys) -> None:
    models, report = tmp_path / "models", tmp_path / "reports"
    models.mkdir()
    (models / "m.onnx").write_bytes(b"not read: refused before any model is opened")
    report.mkdir()
    (report / "index.html").write_text("an earlier run")
    db = tmp_path / "history.sqlite"
    assert run(["audit-registry", str(models), "--data-free", "--report", str(report),
                "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert "exists and is not empty; use --force to replace it, or --resume to go on" in err
    assert len(err.strip().splitlines()) == 1 and not db.exists()
