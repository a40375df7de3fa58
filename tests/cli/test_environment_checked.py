"""A bad ``TROJANSCOPE_ACTIVATION_TRAITS`` is refused before a command starts (hfc, stop 54):
read only where model-level detection reads a model's traits, it stopped ``audit`` after its
report and history row were written and ``detect`` after the model loaded."""

from __future__ import annotations

import pytest

import trojanscope.detect.coverage as coverage
from trojanscope.cli.main import run


@pytest.mark.parametrize("value", ["nosuch", "Route", ""])
def test_a_bad_value_is_one_line_before_any_work(monkeypatch, tmp_path, capsys, value) -> None:
    monkeypatch.setenv("TROJANSCOPE_ACTIVATION_TRAITS", value)
    monkeypatch.setattr(coverage, "ACTIVATION_TRAITS", value)  # what the import would read
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TROJANSCOPE_DB", str(tmp_path / "h.sqlite"))
    (tmp_path / "model.onnx").write_bytes(b"not a model")
    code = run(["audit", "model.onnx", "--data-free", "--report", "rep"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1, err
    assert err[0].startswith("error: TROJANSCOPE_ACTIVATION_TRAITS=")
    assert all(mode in err[0] for mode in ("note", "route", "route-u", "off"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.onnx"]  # nothing written


def test_a_good_value_or_none_is_not_read_as_an_error(monkeypatch, capsys) -> None:
    monkeypatch.setenv("TROJANSCOPE_ACTIVATION_TRAITS", "route")
    monkeypatch.setattr(coverage, "ACTIVATION_TRAITS", "route")
    assert run(["list", "detector"]) == 0
    monkeypatch.delenv("TROJANSCOPE_ACTIVATION_TRAITS")
    monkeypatch.setattr(coverage, "ACTIVATION_TRAITS", "nosuch")  # unset: never read here
    assert run(["list", "detector"]) == 0
    capsys.readouterr()
