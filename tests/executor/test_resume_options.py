"""Stop 74 (first contact, hcmd; stop 73's "Named" (2)): ``audit-registry --resume`` compared
path and SHA-256 only, so a model audited with other options (``--method``, ``--data``,
``--seed``…) was resumed with the old verdict. The audit document records its options (schema
1.3) and a resumed run audits a model again where they differ, or where the record holds none
(written before 1.3); the same options are still resumed."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import torch
from torch import nn

from trojanscope.audit.pipeline import AuditOptions
from trojanscope.audit.recorded_options import differing, recorded
from trojanscope.cli.main import run


def _status(capsys) -> str:
    return json.loads(capsys.readouterr().out)["models"][0]["status"]


def test_resume_audits_again_where_the_options_differ(tmp_path: Path, capsys) -> None:
    root = tmp_path / "models"
    root.mkdir()
    torch.manual_seed(0)
    torch.jit.script(nn.Sequential(nn.Flatten(), nn.Linear(16, 3)).eval()).save(
        str(root / "tiny.pt"))
    db = tmp_path / "h.sqlite"
    args = ["audit-registry", str(root), "--db", str(db), "--executor", "serial",
            "--format", "json", "--data-free"]
    run(args)
    assert _status(capsys) == "audited"
    with sqlite3.connect(db) as con:  # a finished audit (the tiny model's is incomplete)
        con.execute("UPDATE audits SET verdict = 'pass'")
        (doc,) = con.execute("SELECT document FROM audits").fetchone()
    assert json.loads(doc)["options"]["data_free"] is True
    run([*args, "--resume"])
    assert _status(capsys) == "resumed"  # the same options: resumed, as before
    run([*args, "--resume", "--seed", "1"])
    assert _status(capsys) == "audited"  # another seed: audited again
    with sqlite3.connect(db) as con:
        con.execute("UPDATE audits SET verdict = 'pass'")
        con.execute("UPDATE audits SET document = json_remove(document, '$.options')")
    run([*args, "--resume", "--seed", "1"])
    assert _status(capsys) == "audited"  # a record older than 1.3 holds no options
    with sqlite3.connect(db) as con:
        con.execute("UPDATE audits SET verdict = 'pass'")
    run([*args, "--resume", "--seed", "1"])
    assert _status(capsys) == "resumed"


def test_recorded_options_name_files_by_their_absolute_path(tmp_path: Path) -> None:
    (tmp_path / "clean.npz").write_bytes(b"")
    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        near = recorded(AuditOptions(data="clean.npz", method_params={"b": 1, "a": 2}))
    finally:
        os.chdir(here)
    far = recorded(AuditOptions(data=str(tmp_path / "clean.npz"),
                                method_params={"a": 2, "b": 1}))
    assert near == far and near["data"] == str((tmp_path / "clean.npz").resolve())
    assert recorded(AuditOptions(data="mnist"))["data"] == "mnist"  # a bundled set's name
    assert differing(near, recorded(AuditOptions(data="mnist", method_params={"a": 2, "b": 1}))
                     ) == ["data"]
    assert differing(None, near) == sorted(near)
