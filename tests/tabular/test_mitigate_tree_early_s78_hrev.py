"""``mitigate`` refuses a boosted-tree model before it loads it (stop 78 read-through, hrev: the
refusal came after ``load_model``, 3.6 CPU s on the README's fraud run): a run folder's
manifest ``arch`` or a tree file's own bytes say so without torch."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_mitigate_table_s78_hdd import _train

import trojanscope.io.models as models
from trojanscope.cli.commands.mitigate import tree_files
from trojanscope.cli.main import run


def test_a_tree_run_and_its_file_are_refused_before_the_load(tmp_path: Path, capsys,
                                                             monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    csv, folder = _train(tmp_path, "lightgbm")
    assert tree_files(folder) and tree_files(next(folder.glob("model.lightgbm*")))

    def loaded(*args, **kwargs):  # the refusal must come first
        raise AssertionError("the model was loaded")

    monkeypatch.setattr(models, "load_model", loaded)
    capsys.readouterr()
    for given in (folder, next(folder.glob("model.lightgbm*"))):
        out = tmp_path / f"fixed-{given.name}"
        code = run(["mitigate", str(given), "--data", str(csv), "--label-column", "is_fraud",
                    "--out", str(out)])
        err = capsys.readouterr().err
        assert code == 2 and "boosted-tree model" in err and "loaded" not in err


def test_a_network_run_is_not_told_a_tree(tmp_path: Path) -> None:
    _, folder = _train(tmp_path, "mlp")
    assert not tree_files(folder)
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "manifest.json").write_text("[1, 2]")
    assert not tree_files(tmp_path / "bad")  # left to the loader's own words
