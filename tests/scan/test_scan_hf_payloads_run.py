"""The remote-code tricks are real: transformers (when installed) runs the code an auto_map
entry names, the files it imports relatively, and a tokenizer_config auto_map's tokenizer —
checked with inert payloads (``touch`` a marker) in a subprocess, offline, after the scanner
rated the same folder critical. Slow (a transformers import per case): run with ``-m slow``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from trojanscope.report.model import Severity
from trojanscope.scan import scan_paths
from trojanscope.testing.hf_corpus import write_benign

LOADERS = {"model": "AutoModel", "helper": "AutoModel", "tokenizer": "AutoTokenizer"}


def build(folder: Path, kind: str, marker: Path) -> None:
    write_benign(folder)
    payload = f"import os\nos.system('touch {marker}')\n"
    if kind == "tokenizer":
        cfg = json.loads((folder / "tokenizer_config.json").read_text())
        cfg["auto_map"] = {"AutoTokenizer": ["tokenization_x.XTokenizer", None]}
        (folder / "tokenizer_config.json").write_text(json.dumps(cfg))
        (folder / "tokenization_x.py").write_text(
            payload + "from transformers import BertTokenizer\n\n\n"
            "class XTokenizer(BertTokenizer):\n    pass\n")
        return
    cfg = json.loads((folder / "config.json").read_text())
    cfg["auto_map"] = {"AutoModel": "modeling_x.XModel"}
    (folder / "config.json").write_text(json.dumps(cfg))
    head = "from .helpers_x import SCALE  # noqa\n" if kind == "helper" else payload
    (folder / "modeling_x.py").write_text(
        head + "from transformers import BertModel\n\n\nclass XModel(BertModel):\n    pass\n")
    if kind == "helper":
        (folder / "helpers_x.py").write_text(payload + "SCALE = 1\n")


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(LOADERS))
def test_flagged_remote_code_really_runs_under_transformers(tmp_path, kind):
    pytest.importorskip("transformers")
    marker = tmp_path / "ran"
    folder = tmp_path / "model"
    build(folder, kind, marker)
    assert scan_paths([folder]).max_severity() == Severity.CRITICAL
    assert not marker.exists()
    code = (f"from transformers import {LOADERS[kind]}\n"
            f"try:\n    {LOADERS[kind]}.from_pretrained({str(folder)!r}, trust_remote_code=True)\n"
            "except Exception:\n    pass  # the payload ran at import, before any error\n")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")}
    subprocess.run([sys.executable, "-c", code], env=env, timeout=300, capture_output=True)
    assert marker.exists(), f"transformers did not run the {kind} payload"
