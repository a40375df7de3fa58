"""Stop 74's review (hrev, "Named, not mended" (1)): ``audit-registry --resume`` compared
``--fail-on`` with the other options, so a gate changed alone audited every model again
(49.5 CPU s for two) though only the verdict word and the headline read the gate. A record
that differs in ``--fail-on`` alone is now resumed, its verdict and headline read again under
the new gate from the stored document (``audit.regate``); one that the new gate makes
INCOMPLETE (a step that could not run, hidden by "fail") is audited again."""

from __future__ import annotations

from pathlib import Path

import pytest

from trojanscope.audit.batch import audit_registry
from trojanscope.audit.history import HistoryStore
from trojanscope.audit.pipeline import AuditOptions, model_digests
from trojanscope.audit.recorded_options import recorded
from trojanscope.audit.regate import regated
from trojanscope.executor import Listener, create_executor
from trojanscope.report.audit_result import AuditResult, Rating, StepResult, StepStatus
from trojanscope.report.model import Severity

GATES = (Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL)


def _audit(level: Severity, gate: Severity, *, error: bool = False,
           detection: dict | None = None, target: str = "m.pt", digest: str = "0" * 64,
           ) -> AuditResult:
    steps = [StepResult("scan", "Scan"), StepResult(
        "detect", "Detection", StepStatus.error if error else StepStatus.ok, "no data")]
    return AuditResult(target, digest, "2026-12-07T00:00:00+00:00", "trojanscope audit", 0,
                       {"trojanscope": "0"}, steps=steps, rating=Rating(level, ["r"]),
                       detection=detection, fail_on=gate)


@pytest.mark.parametrize("error", [False, True])
@pytest.mark.parametrize("detection", [None, {"probability": 0.9, "calibrated": True},
                                       {"probability": 0.1, "calibrated": False}])
def test_a_stored_document_reads_under_another_gate_as_the_audit_would(error, detection):
    for level in (Severity.LOW, Severity.HIGH):
        for written in GATES:
            doc = _audit(level, written, error=error, detection=detection).to_dict()
            for gate in GATES:
                again = _audit(level, gate, error=error, detection=detection)
                assert regated(doc, gate) == (again.verdict, again.headline)


def _registry(tmp_path: Path, store: HistoryStore, level: Severity, *, error: bool) -> Path:
    root = tmp_path / "models"
    root.mkdir()
    model = root / "tiny.pt"
    model.write_bytes(b"not a model: the scan step reads it when it is audited")
    audit = _audit(level, Severity.HIGH, error=error, target=str(model),
                   digest=model_digests(model)[0])
    audit.options = recorded(AuditOptions(data_free=True, fail_on=Severity.HIGH))
    store.record(audit)
    return root


class _Count(Listener):
    def on_start(self, total: int) -> None:
        self.total = total


@pytest.mark.parametrize(("error", "status", "verdict"),
                         [(False, "resumed", "pass"), (True, None, None)])
def test_only_the_gate_changed_resumes_with_the_new_gates_verdict(tmp_path, error, status,
                                                                   verdict) -> None:
    store = HistoryStore(f"sqlite:///{tmp_path / 'h.sqlite'}")
    root = _registry(tmp_path, store, Severity.HIGH, error=error)  # FAIL at high
    counted = _Count()
    with create_executor("serial") as ex:
        rows = list(audit_registry(root, AuditOptions(data_free=True, fail_on=Severity.CRITICAL),
                                   executor=ex, store=store, resume=True, listener=counted))
    (row,) = rows
    if status:  # resumed, no task: PASS under critical, with what detection left open
        assert (row.status, row.verdict, row.headline, row.rating, counted.total) == (
            "resumed", "pass", "PASS (detection not run)", "high", 0)
    else:  # under critical its step error makes it INCOMPLETE: audited again
        assert row.status != "resumed" and counted.total == 1
    with create_executor("serial") as ex:  # another option than the gate: audited again
        (row,) = audit_registry(root, AuditOptions(data_free=True, seed=1), executor=ex,
                                store=store, resume=True)
    assert row.status != "resumed"
