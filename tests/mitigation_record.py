"""A folder as ``mitigate`` writes it, weights and record, audited by the record step alone (no
model is loaded: the step reads files only). Shared by the ``TSA120`` tests (stops 78-79)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from trojanscope.audit import run_audit
from trojanscope.audit.steps_record import MitigationRecordStep

WEIGHTS = b"not a real model: the record step never loads it"


def audit_record(tmp_path: Path, before: dict, after: dict, method: str = "gated"):
    """Audit ``tmp_path/fixed`` holding a manifest whose ``mitigation`` record gives ``before``
    and ``after`` (the figures ``mitigate`` measured), its file digests matching."""
    out = tmp_path / "fixed"
    out.mkdir()
    (out / "model.safetensors").write_bytes(WEIGHTS)
    files = {"model.safetensors": hashlib.sha256(WEIGHTS).hexdigest()}
    record = {"method": method, "before": before, "after": after}
    (out / "manifest.json").write_text(json.dumps({"files": files, "mitigation": record}))
    return run_audit(out, steps=[MitigationRecordStep()])
