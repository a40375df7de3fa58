"""Stop 73 (first contact, seed 104): ``audit-registry --resume`` resumed a TorchScript
model's INCOMPLETE audit (made ``--data-free``: no input shape to probe) instead of running it
again with the ``--data`` now given. An incomplete audit is now run again; a finished one is
still resumed."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import torch
from torch import nn

from trojanscope.cli.main import run


def _verdicts(db: Path) -> list[str]:
    with sqlite3.connect(db) as con:
        return [v for (v,) in con.execute("SELECT verdict FROM audits ORDER BY id")]


def test_an_incomplete_audit_runs_again_on_resume(tmp_path: Path, capsys) -> None:
    root = tmp_path / "models"
    root.mkdir()
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(16, 3)).eval()
    torch.jit.script(model).save(str(root / "tiny.pt"))  # no input shape recorded
    db = tmp_path / "h.sqlite"
    args = ["audit-registry", str(root), "--db", str(db), "--executor", "serial",
            "--format", "json", "--data-free", "--report", str(tmp_path / "reports")]
    run(args)
    first = json.loads(capsys.readouterr().out)["models"][0]
    assert first["status"] == "audited" and first["verdict"] == "incomplete"
    assert "input shape" in first["error"]  # stop 74: why, in the row, not the report only
    run([*args, "--resume"])
    again = json.loads(capsys.readouterr().out)["models"][0]
    assert again["status"] == "audited"  # run again, not "resumed" as incomplete
    assert _verdicts(db) == ["incomplete", "incomplete"]
    with sqlite3.connect(db) as con:  # a finished audit is still resumed
        con.execute("UPDATE audits SET verdict = 'pass'")
    run([*args, "--resume"])
    assert json.loads(capsys.readouterr().out)["models"][0]["status"] == "resumed"
    assert len(_verdicts(db)) == 2


def test_resume_reads_the_verdict_the_audit_writes() -> None:
    """Stop 73 (hrev): ``batch`` wrote the verdict's word again as its own constant; it now
    reads the one ``AuditResult.verdict`` returns, so a renamed verdict cannot slip past."""
    from trojanscope.audit import batch
    from trojanscope.report import audit_result

    assert batch.INCOMPLETE is audit_result.INCOMPLETE


def test_a_registry_of_incomplete_audits_exits_2_as_audit_does(tmp_path: Path, capsys) -> None:
    """Stop 73 (hfix, hrev's (4)): ``audit-registry`` exited 0 where every model was
    INCOMPLETE, while ``audit`` exits 2 on an incomplete report; docs/scale-out.md promises 2
    "when any model could not be audited", and now keeps it, naming the incomplete ones."""
    from trojanscope.audit.batch import RegistryRow
    from trojanscope.audit.batch_report import unaudited_words

    root = tmp_path / "models"
    root.mkdir()
    model = nn.Sequential(nn.Flatten(), nn.Linear(16, 3)).eval()
    torch.jit.script(model).save(str(root / "tiny.pt"))  # no input shape: INCOMPLETE
    args = ["audit-registry", str(root), "--db", str(tmp_path / "h.sqlite"), "--executor",
            "serial", "--data-free"]
    assert run(args) == 2
    err = capsys.readouterr().err
    assert "error: 1 of 1 models could not be audited: 1 incomplete" in err
    assert "the error column says which and why" in " ".join(err.split())
    assert unaudited_words([RegistryRow("a", "a", "audited", "pass")]) is None
    words = unaudited_words([RegistryRow("a", "a", "failed", error="x"),
                             RegistryRow("b", "b", "audited", "incomplete")])
    assert words is not None and words.startswith("2 of 2 models could not be audited: "
                                                  "1 failed (see the error column), 1 incomplete")
