"""Run picklescan, modelscan and fickling (installed in a separate venv, never project
dependencies) on one file and say whether they flag it, judged by their documented exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PEER_VENV = Path(__file__).resolve().parents[1] / "out" / "venv-peers"


def ensure_peer_venv() -> Path:
    """Create ``benchmarks/out/venv-peers`` with picklescan and modelscan from PyPI if missing."""
    bin_dir = PEER_VENV / "bin"
    if not (bin_dir / "picklescan").exists() or not (bin_dir / "modelscan").exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
        subprocess.run([str(bin_dir / "pip"), "install", "-q", "picklescan", "modelscan"],
                       check=True)
    return bin_dir


def peer_command(tool: str, path: Path, bin_dir: Path) -> list[str]:
    if tool == "fickling":
        return [str(bin_dir / "fickling"), "--check-safety", str(path)]
    return [str(bin_dir / tool), "-p", str(path)]


def peer_flags(tool: str, path: Path, workdir: Path, bin_dir: Path | None = None) -> bool | None:
    """True if ``tool`` reports ``path`` as malicious (exit 1), False if clean, None on error."""
    cmd = peer_command(tool, path, bin_dir or PEER_VENV / "bin")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    try:
        rc = subprocess.run(cmd, cwd=workdir, capture_output=True, timeout=300, env=env).returncode
    except subprocess.TimeoutExpired:
        return None
    if rc == 1:
        return True
    if rc in (0, 3):  # modelscan 3: no supported files
        return False
    return None


def peer_version(tool: str, bin_dir: Path | None = None) -> str:
    out = subprocess.run([str((bin_dir or PEER_VENV / "bin") / "pip"), "show", tool],
                         capture_output=True, text=True).stdout
    return next((line.split(":", 1)[1].strip() for line in out.splitlines()
                 if line.startswith("Version:")), "?")
