"""A missing model or an unknown method name is refused before a command imports torch (stop
63: stop 62 measured about 30 s at load 10 — some 5 CPU seconds of imports — before
``detect runs/nope`` or ``--method nope`` got its one line). The early name check reads the
names from the source text; it must equal what the registry imports."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from trojanscope import registry
from trojanscope.registry_early import EARLY_KINDS, check_name_early, source_names

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("kind", EARLY_KINDS)
def test_the_names_read_from_the_source_are_the_registered_ones(kind: str) -> None:
    assert source_names(kind) == set(registry.names(kind))


def test_an_unknown_name_is_worded_as_the_registry_words_it() -> None:
    with pytest.raises(Exception) as early:
        check_name_early("detector", "nope")
    with pytest.raises(Exception) as late:
        registry.get("detector", "nope")
    assert str(early.value) == str(late.value)
    check_name_early("detector", "mmbd")  # a real one passes
    check_name_early("dataset", "anything")  # a kind not read early is left to the registry


def refusals_before_torch(lines: list[list[str]], cwd: Path,
                          modules: tuple[str, ...] = ("torch",)) -> list[str]:
    """Run each command line of ``lines`` in one fresh process from ``cwd``; each must exit 2
    with one ``error:`` line and no traceback, and none of ``modules`` (torch) may ever be
    imported. The error lines, in order."""
    code = ("import sys\nfrom trojanscope.cli.main import run\n"
            f"codes = [run(argv) for argv in {lines!r}]\n"
            f"print(codes, any(m in sys.modules for m in {modules!r}))")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=300, cwd=cwd)
    assert done.stdout.strip() == f"{[2] * len(lines)} False", done.stdout + done.stderr
    errors = [ln for ln in done.stderr.splitlines() if ln.startswith("error: ")]
    assert len(errors) == len(lines) and "Traceback" not in done.stderr, done.stderr
    return errors


def test_each_refusal_comes_before_torch_is_imported(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    (run / "manifest.json").write_text("{}")
    lines = [
        ["detect", "nope-run"], ["detect", str(run), "--method", "nope"],
        ["detect-inputs", "nope-run", "in.npz"],
        ["detect-inputs", str(run), "in.npz", "--method", "nope"],
        ["detect-data", "x.npz", "--method", "nope"], ["audit", "nope-run"],
        ["audit", str(run), "--method", "nope"],
        ["attack", "--attack", "nope", "--out", str(tmp_path / "a")],
        ["mitigate", "nope-run", "--data", "mnist", "--out", str(tmp_path / "o")],
        ["mitigate", str(run), "--data", "mnist", "--method", "nope", "--out",
         str(tmp_path / "o")],
    ]
    errors = refusals_before_torch(lines, tmp_path)
    assert sum("no such file or folder" in e for e in errors) == 4
    assert sum("'nope'; valid:" in e for e in errors) == 6
