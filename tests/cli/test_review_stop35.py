"""Review findings of stop 35 on the bad-option sweep's merge."""

from pathlib import Path

import pytest

from trojanscope import registry
from trojanscope.cli.main import run


def test_adaptive_second_empty_means_none() -> None:
    # the sweep's name check refused "" although the docstring says "" is none
    assert registry.create("mitigation", "adaptive", second="").second == ""


def test_a_seed_beyond_64_bits_is_refused_before_anything_is_written(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    db = tmp_path / "history.sqlite"
    assert run(["demo", "--seed", str(2**63), "--db", str(db), "--out", str(tmp_path / "d")]) == 2
    assert "--seed" in capsys.readouterr().err
    assert not db.exists() and not (tmp_path / "d").exists()
