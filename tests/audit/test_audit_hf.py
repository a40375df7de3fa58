"""Auditing a Hugging Face model folder: the file steps (scan, ML-BOM) run on it, and the
loading step loads it (tests/io/test_hf_load.py) or says in one line why not."""

from __future__ import annotations

import json

from trojanscope.audit import AuditOptions, run_audit
from trojanscope.report.model import Severity
from trojanscope.testing.hf_corpus import write_benign, write_trick


def steps(result) -> dict:
    return {s.name: s for s in result.steps}


def test_benign_folder_runs_the_file_steps_and_names_why_it_cannot_load(tmp_path):
    folder = write_benign(tmp_path / "hf")
    result = run_audit(folder, AuditOptions(data_free=True))
    by_name = steps(result)
    assert by_name["scan"].status.value == "ok" and by_name["scan"].findings == []
    assert by_name["scan"].details["folders"][0]["model_type"] == "bert"
    bom = json.loads(result.artifacts["bom.cdx.json"])
    assert bom["metadata"]["component"]["modelCard"]["modelParameters"]["modelArchitecture"] \
        == "BertForSequenceClassification"
    load = by_name["load"]  # the corpus folder's weights are a few zero tensors, not a model
    assert load.status.value == "error"
    assert "the weights do not match config.json" in load.reason
    assert "behaviour not checked" in result.rating.reasons[0]


def test_remote_code_blocks_loading(tmp_path):
    folder = tmp_path / "hf"
    write_trick(folder, "exec-base64")
    result = run_audit(folder, AuditOptions(data_free=True))
    by_name = steps(result)
    worst = max(f.severity for f in by_name["scan"].findings)
    assert worst == Severity.CRITICAL
    assert "the model was not loaded" in by_name["load"].reason
    assert "modeling_evil.py" in by_name["load"].reason
