"""Presentation helpers shared by the commands: consoles, output format, option parsing.

Kept free of torch so that light commands (``scan``, ``sign``) start fast; heavy modules are
imported inside the commands that need them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

import typer
from rich.console import Console

from trojanscope.errors import UserInputError
from trojanscope.io.json_file import dumps
from trojanscope.params import parse_assignments

T = TypeVar("T")


@dataclass
class Settings:
    debug: bool = False
    quiet: bool = False
    argv: list[str] = field(default_factory=list)  # the arguments of this invocation


SETTINGS = Settings()


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


_LIVE: list[Any] = []  # rich live displays (progress bars) running now


def command(name: str, order: int) -> Callable[[T], T]:
    """Register a CLI command: a function (its docstring is the help) or a Typer app of
    subcommands. ``order`` places it in ``trojanscope --help``. The app is built from the
    registry's ``command`` kind, so a new command is one new module in ``trojanscope.cli``."""
    from trojanscope import registry

    def decorate(obj: T) -> T:
        obj.order = order  # type: ignore[attr-defined]
        info = getattr(obj, "info", None)
        if info is not None and info.help:  # a Typer app: its help is its summary
            obj.__doc__ = info.help
        return registry.register("command", name)(obj)

    return decorate


def stderr_console() -> Console:
    """Console for human output on stderr (stdout stays clean for machine output)."""
    return Console(stderr=True, quiet=SETTINGS.quiet)


def interactive() -> bool:
    """Whether stderr is a terminal (bars and spinners) rather than a pipe or a log (lines)."""
    return stderr_console().is_terminal


def stderr_line(text: str) -> None:
    """One plain progress line on stderr (no markup), unless ``--quiet``."""
    if not SETTINGS.quiet:
        stderr_console().print(text, markup=False, highlight=False, soft_wrap=True)


_BEFORE_TASKS: list[str] = []  # lines shown once the first task starts (see below)


def before_tasks(line: str | None) -> None:
    """Show ``line`` (e.g. which executor runs the tasks) when the first task starts, not now:
    a run refused before any task (a bad dataset, an unknown method) prints only its error
    line. ``None`` forgets what was not shown."""
    if line is None:
        _BEFORE_TASKS.clear()
    else:
        _BEFORE_TASKS.append(line)


def tasks_started() -> None:
    """The first task starts: the lines kept by :func:`before_tasks`, now."""
    while _BEFORE_TASKS:
        stderr_line(_BEFORE_TASKS.pop(0))


STATUS_DELAY_S = 1.0  # outside a terminal, a status line only for work that takes longer
STATUS_WALL_S = 5.0  # ... or that waits this long (reading files, a remote executor)


@contextmanager
def status(message: str) -> Iterator[None]:
    """A spinner with ``message`` in a terminal; elsewhere the message as one line, printed
    once the work has taken :data:`STATUS_DELAY_S` of this process's CPU time or
    :data:`STATUS_WALL_S` of wall time: a quick failure shows only its error, on a loaded
    machine too (stop 36: counted in wall time alone, a refusal that a busy machine delayed past
    one second printed the status line first, two lines), and work that waits on I/O is not
    silent (review hR5)."""
    if interactive():
        with stderr_console().status(message):
            yield
        return
    import threading
    import time

    done = threading.Event()
    start, wall = time.process_time(), time.monotonic()

    def announce() -> None:
        while not done.wait(0.05):
            if (time.process_time() - start >= STATUS_DELAY_S
                    or time.monotonic() - wall >= STATUS_WALL_S):
                stderr_line(message)
                return

    watcher = threading.Thread(target=announce, daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()  # a line it prints comes before whatever follows the block


def remember_live(live: Any) -> None:
    """Track a running live display so that an error can stop it first (a clean last line)."""
    _LIVE.append(live)


def forget_live(live: Any) -> None:
    if live in _LIVE:
        _LIVE.remove(live)


def finish_status_line() -> None:
    """Stop live displays left running by an error or Ctrl-C, so what follows starts on a
    fresh line."""
    while _LIVE:
        _LIVE.pop().stop()


def stdout_console() -> Console:
    return Console(file=sys.stdout)


def print_json(obj: Any) -> None:
    """Machine output: one JSON document on stdout."""
    sys.stdout.write(dumps(obj, indent=2, sort_keys=False) + "\n")


def command_line(secret_options: tuple[str, ...] = ("--db",)) -> str:
    """This invocation as a shell command, with passwords in ``secret_options`` URLs masked
    (it goes into reports)."""
    import shlex

    args = list(SETTINGS.argv)
    for i, arg in enumerate(args):
        name, eq, value = arg.partition("=")
        if eq and name in secret_options:
            args[i] = f"{name}={_mask_url(value)}"
        elif i > 0 and args[i - 1] in secret_options:
            args[i] = _mask_url(arg)
    return shlex.join(["trojanscope", *args])


def _mask_url(text: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(text)
    if parts.password is None:
        return text
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


# ``--method-param`` / ``-p`` of every command that runs a registered method; read with
# ``parse_params(value, "--method-param")``.
METHOD_PARAM = typer.Option(
    None, "--method-param", "-p", help="Method parameter name=value (repeatable), e.g. -p steps=20."
)



def refuse_early(model: Any = None, kind: str | None = None, name: str | None = None, *,
                 data: dict[str, Any] | None = None, calibration: Any = None) -> None:
    """A ``model`` path that does not exist, an unknown ``name`` of ``kind``, a ``data`` file
    (``{"--data": value}``; the key starts the message) that no reader takes, or a
    ``calibration`` file option that would do nothing (:mod:`~.early_calibration`), refused in
    one line before a command imports torch and its detectors (stop 62: about 5 CPU seconds,
    20-30 s on a loaded machine, before ``runs/nope`` or ``--method nope`` was refused; stop 63:
    15-25 s before a corrupt ``--data``)."""
    from pathlib import Path

    if model is not None and not Path(model).exists():
        raise UserInputError(f"{model}: no such file or folder")  # as load_model words it
    if kind is not None and name is not None and name != "auto":  # auto: resolved later
        from trojanscope.registry_early import check_name_early

        check_name_early(kind, name)
    if data:
        from trojanscope.cli.early_data import check_data_file

        for what, value in data.items():
            check_data_file(value, what)
    if calibration is not None:
        from trojanscope.cli.early_calibration import check_keep_ratio

        check_keep_ratio(calibration)


def parse_params(
    items: list[str] | None, what: str, reserved: dict[str, str] | None = None
) -> dict[str, Any]:
    """``["size=4", "position=top-left", "color=[1,0,0]"]`` → dict; values parsed as JSON when
    they are valid JSON, else kept as strings. ``reserved`` names the parameters the command
    sets itself, and what sets them: given here, they are one error line (not a crash on a
    keyword given twice)."""
    params = parse_assignments(items or [], what)
    for name, source in (reserved or {}).items():
        if name in params:
            raise UserInputError(f"{what} {name}: set by {source}, not a parameter here")
    return params


# Columns of tabular and text user data (CSV, TSV, JSON Lines, Parquet): ``attack``, ``train``,
# ``detect``, ``detect-data``, ``detect-inputs``.
TEXT_COLUMN = typer.Option(
    None, "--text-column", help="column that holds the text (CSV/TSV/JSONL text data; default text)"
)
LABEL_COLUMN = typer.Option(
    None, "--label-column", help="column that holds the class label (CSV/Parquet/JSONL data)"
)


def data_params(text_column: str | None, label_column: str | None) -> dict[str, str]:
    """The data-format parameters the column options ask for (none when not given)."""
    out = {"text_column": text_column, "label_column": label_column}
    return {k: v for k, v in out.items() if v is not None}
