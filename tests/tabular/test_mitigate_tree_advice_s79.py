"""``mitigate``'s tree refusal names a screen the user can run (stop 79 first contact, hcmd):
for a run folder ``detect-data RUN`` (it replays the run's training rows); for a tree file,
which holds no rows, ``detect-data`` on the table it was trained on, not on the file
(``detect-data fraud-model.json`` was named for the user's own XGBoost file)."""

from __future__ import annotations

from pathlib import Path

import pytest

from trojanscope.cli.commands import mitigate
from trojanscope.errors import UserInputError


def _refusal(model: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(mitigate, "tree_files", lambda path: True)
    with pytest.raises(UserInputError) as caught:
        mitigate.refuse_trees(model)
    return str(caught.value)


def test_a_tree_file_is_told_to_screen_its_training_table(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    model = tmp_path / "fraud-model.json"
    model.write_text("{}")
    said = _refusal(model, monkeypatch)
    assert "boosted-tree model" in said
    assert f"detect-data {model}" not in said
    assert "`trojanscope detect-data` on the table it was trained on" in said


def test_a_tree_run_is_told_to_screen_the_run(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    said = _refusal(tmp_path, monkeypatch)
    assert f"`trojanscope detect-data {tmp_path}` names the training rows" in said
