"""The evasion corpus: every payload runs with its real loader (in a subprocess, inert marker),
and the scanner flags every file at high or above."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from trojanscope.report import Severity
from trojanscope.scan import load_policy, scan_paths
from trojanscope.testing.evasion_corpus import LOADER_SCRIPT, evasion_samples, write_evasion

SAMPLES = evasion_samples(Path("/nonexistent"))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("evasion")
    marks = root / "marks"
    marks.mkdir()
    samples = evasion_samples(marks)
    paths = write_evasion(root / "files", samples)
    by_loader: dict[str, list[str]] = {}
    for s, p in zip(samples, paths, strict=True):
        if s.loader:
            by_loader.setdefault(s.loader, []).append(str(p))
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    for loader, files in by_loader.items():
        subprocess.run([sys.executable, "-c", LOADER_SCRIPT, loader, *files], cwd=root, env=env,
                       capture_output=True, timeout=300, check=False)
    ran = {s.name: (marks / (Path(s.name).name.split(".")[0] + ".ran")).exists()
           for s in samples}
    return dict(zip((s.name for s in samples), paths, strict=True)), ran


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.name for s in SAMPLES])
def test_payload_runs_and_is_flagged(corpus, sample):
    paths, ran = corpus
    if sample.loader is not None:
        assert ran[sample.name], f"the payload did not run with {sample.loader}: bad sample"
    report = scan_paths([paths[sample.name]], load_policy())
    worst = max((f.severity for f in report.active()), default=Severity.INFO)
    assert worst >= Severity.HIGH, [f.message for f in report.findings]
    assert report.exit_code(Severity.HIGH) == 1
