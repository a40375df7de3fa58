"""Built samples of every attack class and every benign format, plus the marker-file proof that
scanning never executes a payload."""

from __future__ import annotations

from pathlib import Path

import pytest

from trojanscope.report import Severity
from trojanscope.scan import scan_paths
from trojanscope.testing import scan_corpus as samples


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("samples")
    marker = root / "MARKER"
    mal = samples.malicious_samples(marker)
    mal.pop("zip_bomb.zip")  # 2 GiB of zeros to compress: covered with a small limit elsewhere
    mal_paths = samples.write_samples(root / "mal", mal)
    ben_paths = samples.write_samples(root / "ben", samples.benign_samples())
    return root, marker, mal_paths, ben_paths


def _worst(report) -> dict[str, Severity]:
    out: dict[str, Severity] = {}
    for f in report.active():
        name = Path(f.location.file).name
        out[name] = max(out.get(name, Severity.INFO), f.severity)
    return out


def test_every_malicious_sample_is_flagged(built):
    root, marker, mal_paths, _ = built
    assert len(mal_paths) >= 40
    report = scan_paths([root / "mal"])
    worst = _worst(report)
    missed = [p.name for p in mal_paths if worst.get(p.name, Severity.INFO) < Severity.HIGH]
    assert missed == []
    assert not marker.exists(), "a payload ran during the scan"


def test_benign_samples_are_clean(built):
    root, _, _, ben_paths = built
    report = scan_paths([root / "ben"])
    worst = _worst(report)
    noisy = {p.name: worst[p.name].label for p in ben_paths
             if worst.get(p.name, Severity.INFO) >= Severity.MEDIUM}
    assert noisy == {}
    kinds = {Path(s.path).name: s.kind for s in report.subjects}
    assert kinds["torch_state_dict.pt"] == "pytorch-zip"
    assert kinds["torch_state_dict_legacy.pt"] == "pytorch-legacy"
    assert kinds["sklearn_logreg_lzma.joblib"] == "lzma"
    assert kinds["model.safetensors"] == "safetensors"


def test_marker_payload_is_real(built):
    """The samples would create the marker if loaded: the command is in the evidence."""
    root, marker, _, _ = built
    report = scan_paths([root / "mal" / "os_system_p4.pkl"])
    calls = [c for f in report.findings for c in f.evidence.get("calls", [])]
    assert any(f"touch {marker}" in c for c in calls)
    assert not marker.exists()
