"""A bad ``TROJANSCOPE_ACTIVATION_TRAITS`` is refused before a command starts (hfc, stop 54):
read only where model-level detection reads a model's traits, it stopped ``audit`` after its
report and history row were written and ``detect`` after the model loaded."""

from __future__ import annotations

import pytest

import trojanscope.detect.coverage as coverage
from trojanscope.activation_modes import env_mode
from trojanscope.cli.main import run
from trojanscope.errors import UserInputError


@pytest.mark.parametrize("value", ["nosuch", "Route", ""])
def test_a_bad_value_is_one_line_before_any_work(monkeypatch, tmp_path, capsys, value) -> None:
    monkeypatch.setenv("TROJANSCOPE_ACTIVATION_TRAITS", value)
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
    assert run(["list", "detector"]) == 0
    monkeypatch.delenv("TROJANSCOPE_ACTIVATION_TRAITS")
    assert run(["list", "detector"]) == 0
    capsys.readouterr()


def test_the_variable_is_read_when_asked_not_at_import(monkeypatch) -> None:
    """One reader (hfc, stop 55): the CLI's check and the traits' reader read the variable at
    the time they run, so a value set after the import is the one both use (at stop 54
    ``coverage`` kept what the import had read: ``route-u`` here, while the CLI checked
    ``note``), and a bad one is refused by both in the same words."""
    monkeypatch.setattr(coverage, "ACTIVATION_TRAITS", None)  # no in-process choice
    for value in ("note", "route", "off", "route-u"):
        monkeypatch.setenv("TROJANSCOPE_ACTIVATION_TRAITS", value)
        assert coverage.activation_mode() == value == env_mode()
    monkeypatch.delenv("TROJANSCOPE_ACTIVATION_TRAITS")
    assert coverage.activation_mode() == "route-u"
    monkeypatch.setenv("TROJANSCOPE_ACTIVATION_TRAITS", "Route")
    with pytest.raises(UserInputError) as by_coverage:
        coverage.activation_mode()
    with pytest.raises(UserInputError) as by_cli:
        env_mode()
    assert str(by_coverage.value) == str(by_cli.value)
    assert str(by_cli.value).startswith("TROJANSCOPE_ACTIVATION_TRAITS='Route': want note")
