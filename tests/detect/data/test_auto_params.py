"""``auto``'s parameters where ``auto`` hands the data to another detector (hR4 item 5): a table
goes to ``label-groups``, sentences without a model to ``text-ngrams``; a parameter given to
``auto`` there was validated and then dropped. It is one error line now (exit 2), naming the
parameter and the detector the data uses; on images it reaches the detector (``null`` too)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
import torch

from trojanscope.cli.main import run
from trojanscope.detect.data import run as data_run
from trojanscope.errors import UserInputError


def _error(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err, err
    return [ln for ln in err.strip().splitlines() if ln][-1]


def test_a_table_refuses_autos_parameter(capsys) -> None:
    assert run(["detect-data", "credit-default", "-p", "typical_agree=0.5"]) == 2
    line = _error(capsys)
    assert line.startswith("error: typical_agree is a parameter of auto"), line
    assert "label-groups" in line


def test_sentences_refuse_autos_parameter(tmp_path: Path, capsys) -> None:
    path = tmp_path / "s.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "label"])
        w.writerows((f"a film {'good' if i % 2 else 'bad'} scene {i}", i % 2) for i in range(40))
    args = ["detect-data", str(path), "-p", "typical_agree=null", "-p", "confine=false"]
    assert run(args) == 2
    line = _error(capsys)
    assert "confine, typical_agree are parameters of auto" in line and "text-ngrams" in line
    assert run(["detect-data", str(path), "--format", "json"]) in (0, 1)  # without: as before


def test_the_api_refuses_too_and_seed_is_not_a_parameter_here() -> None:
    from trojanscope.data import load_dataset
    from trojanscope.detect.data.inputs import materialize

    table = materialize(load_dataset("credit-default", "train"))
    with pytest.raises(UserInputError, match="pure_threshold is a parameter of auto"):
        data_run.detect_data(table, method="auto", pure_threshold=0.5)
    assert data_run.detect_data(table, method="auto", seed=3).method == "label-groups"


def test_typical_agree_null_reaches_auto_on_images(tmp_path: Path, monkeypatch, capsys) -> None:
    g = torch.Generator().manual_seed(0)
    x = torch.rand(120, 1, 8, 8, generator=g).numpy()
    y = np.arange(120) % 3
    np.savez(tmp_path / "d.npz", x=x, y=y)
    seen = []
    original = data_run.detect_data

    def detect(data, model=None, *, method, **kw):
        seen.append(method)
        return original(data, model, method=method, **kw)

    monkeypatch.setattr(data_run, "detect_data", detect)
    code = run(["detect-data", str(tmp_path / "d.npz"), "-p", "typical_agree=null",
                "--format", "json"])
    assert code in (0, 1), capsys.readouterr().err
    assert seen[0].name == "auto" and seen[0].typical_agree is None
