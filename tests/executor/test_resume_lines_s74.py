"""Stop 74's review (hrev, "Named, not mended" (5)): ``audit-registry --resume`` printed
"executor: process, 2 worker(s)" where every model was resumed and no worker ran. The line now
waits for the first task, as ``zoo`` and ``bench`` already did (``open_executor``), and a run
with no task prints none."""

from __future__ import annotations

from pathlib import Path

import pytest

from trojanscope.audit.batch import RegistryRow
from trojanscope.cli.main import run


@pytest.mark.parametrize("tasks", [0, 1])
def test_the_executor_line_only_where_a_model_is_audited(tmp_path: Path, capsys, monkeypatch,
                                                         tasks: int) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "tiny.pt").write_bytes(b"")  # never read: the audits are stubbed

    def audits(folder, _options, *, listener, **_kwargs):
        listener.on_start(tasks)  # as ``Executor.map`` does with the models left to audit
        yield RegistryRow("tiny.pt", str(Path(folder) / "tiny.pt"),
                          "audited" if tasks else "resumed", "pass")

    monkeypatch.setattr("trojanscope.audit.batch.audit_registry", audits)
    assert run(["audit-registry", str(tmp_path / "models"), "--db", str(tmp_path / "h.sqlite"),
                "--executor", "serial", "--data-free", "--resume"]) == 0
    err = capsys.readouterr().err
    assert ("executor: serial" in err) is bool(tasks)
    assert f"{1 - tasks} resumed" in err
