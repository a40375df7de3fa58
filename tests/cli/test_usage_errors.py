"""Usage mistakes on every command, generated from the command tree: one ``error:`` line naming
the option and what it expects, one ``hint:`` line, exit 2, no traceback."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from trojanscope.cli.main import _command, run


def _commands(command: Any = None, path: tuple[str, ...] = ()) -> Iterator[tuple]:
    command = command or _command()
    subcommands = getattr(command, "commands", {})
    if path and not subcommands:
        yield path, command
    for name, sub in subcommands.items():
        yield from _commands(sub, (*path, name))


COMMANDS = list(_commands())
IDS = [" ".join(p) for p, _ in COMMANDS]


def _required_args(command: Any) -> list[str]:
    """Placeholder values for the required parameters, so one mistake is the only one."""
    args: list[str] = []
    for param in command.params:
        if not param.required:
            continue
        if hasattr(param, "is_flag"):
            args += [max(param.opts, key=len), "x"]
        else:
            args.insert(0, "x")
    return args


def _assert_usage_error(code: int, err: str, command_path: str, *needles: str) -> None:
    lines = err.strip().splitlines()
    assert code == 2, err
    assert "Traceback" not in err
    assert len(lines) == 2, err
    assert lines[0].startswith("error: "), err
    assert lines[1] == f"hint: see 'trojanscope {command_path} --help'", err
    for needle in needles:
        assert needle in lines[0], err


def test_every_command_is_covered() -> None:
    names = {p[0] for p, _ in COMMANDS}
    assert {"attack", "audit", "detect", "scan", "history", "list", "zoo"} <= names
    assert ("zoo", "make") in [p for p, _ in COMMANDS]


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS)
def test_unknown_option(path, command, capsys) -> None:
    code = run([*path, *_required_args(command), "--bogus-flag"])
    _assert_usage_error(code, capsys.readouterr().err, " ".join(path), "--bogus-flag")


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS)
def test_missing_required(path, command, capsys) -> None:
    required = [p for p in command.params if p.required]
    if not required:
        pytest.skip("no required parameter")
    code = run(list(path))
    err = capsys.readouterr().err
    _assert_usage_error(code, err, " ".join(path), "missing")
    assert required[0].name.upper() in err.upper()


def _typed_options() -> Iterator[tuple]:
    for path, command in COMMANDS:
        for param in command.params:
            if not hasattr(param, "is_flag") or param.is_flag:
                continue
            descriptor = param.type_descriptor
            annotation = str(descriptor.annotation)
            if descriptor.is_choice:
                yield path, command, param, "no-such-choice"
            elif "int" in annotation or "float" in annotation:
                yield path, command, param, "abc"
            if descriptor.is_ranged and getattr(param, "max", None) is not None:
                yield path, command, param, str(param.max + 10)
            elif descriptor.is_ranged and getattr(param, "min", None) is not None:
                yield path, command, param, str(param.min - 10)


TYPED = list(_typed_options())


@pytest.mark.parametrize(("path", "command", "param", "value"), TYPED,
                         ids=[f"{' '.join(p)} {max(o.opts, key=len)}={v}" for p, _, o, v in TYPED])
def test_bad_value_names_the_option(path, command, param, value, capsys) -> None:
    option = max(param.opts, key=len)
    code = run([*path, *_required_args(command), option, value])
    _assert_usage_error(code, capsys.readouterr().err, " ".join(path), option)


def test_no_command_shows_help(capsys) -> None:
    assert run([]) == 0
    assert "Usage: trojanscope" in capsys.readouterr().out


def test_unknown_command(capsys) -> None:
    code = run(["bogus"])
    err = capsys.readouterr().err
    assert code == 2 and err.splitlines() == ["error: no such command 'bogus'.",
                                              "hint: see 'trojanscope --help'"]


def test_bad_component_parameter_value(tmp_path: Path, capsys) -> None:
    code = run(["attack", "-p", "size=abc", "--dataset", "synthetic", "--out",
                str(tmp_path / "r")])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: trigger 'patch': size must be a whole number")
    assert len(err.splitlines()) == 1 and not (tmp_path / "r").exists()


def test_help_shows_no_python_types(capsys) -> None:
    for path, _ in COMMANDS:
        assert run([*path, "--help"]) == 0
        out = capsys.readouterr().out
        for python_type in ("<bool>", "<list[", "<str>", "<Path>", "<int>", "<float>"):
            assert python_type not in out, (path, python_type)


def test_usage_errors_without_the_click_package(tmp_path: Path) -> None:
    """Typer >= 0.22 vendors Click: a fresh install has no ``click`` package. Block it."""
    script = ("import sys; sys.modules['click'] = None\n"
              "from trojanscope.cli.main import run\n"
              "sys.exit(run(['attack', '--epochs', 'abc']))\n")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.splitlines() == ["error: invalid value for '--epochs': expected a whole "
                                        "number", "hint: see 'trojanscope attack --help'"]
