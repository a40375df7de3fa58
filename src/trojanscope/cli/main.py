"""The ``trojanscope`` command: a Typer app assembled from one module per command.

Every command module exposes ``register(app)``. :func:`run` is the console entry point: it turns
:class:`~trojanscope.errors.UserInputError` (and unreadable files) into one ``error:`` line on
stderr and exit code 2, without a traceback unless ``--debug`` is given.
"""

from __future__ import annotations

import functools
import logging
import sys
from typing import Any

import typer

from trojanscope import __version__, registry
from trojanscope.activation_modes import env_mode
from trojanscope.cli import threads as torch_threads
from trojanscope.errors import UserInputError

INTERRUPTED = 130  # the shell's code for a process ended by Ctrl-C


app = typer.Typer(
    name="trojanscope",
    help="Neural-network backdoor security: plant, detect, mitigate and audit backdoors.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",  # docstrings wrap as prose; `code` shows as code
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"trojanscope {__version__}")
        raise typer.Exit(0)


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks and debug logs."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress output on stderr."),
    threads: int = typer.Option(
        None, "--threads", min=1,
        help=f"Torch threads for the command (default: ${torch_threads.ENV}, else "
             f"$OMP_NUM_THREADS, else {torch_threads.DEFAULT}: the tests' figures, fastest on a "
             "busy machine).",
    ),
) -> None:
    """trojanscope: neural-network backdoor security toolkit."""
    from trojanscope.cli import common

    common.SETTINGS.debug = debug
    common.SETTINGS.quiet = quiet
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, stream=sys.stderr)
    torch_threads.apply(threads)


def _add_commands(app: typer.Typer) -> None:
    """Every registered command, in its order (see :func:`trojanscope.cli.common.command`)."""
    for name, obj in registry.items("command"):
        if isinstance(obj, typer.Typer):
            app.add_typer(obj, name=name)
        else:
            app.command(name)(obj)


_add_commands(app)


@functools.cache
def _command() -> Any:
    """The parser built from the Typer app, with plain help texts."""
    from trojanscope.cli import usage

    command = typer.main.get_command(app)
    usage.tidy_help(command)
    return command


def run(argv: list[str] | None = None) -> int:
    """Console entry point; returns the exit code (also used by tests). The torch thread count
    the command ran with is put back after it (:mod:`trojanscope.cli.threads`), and a command
    that ran (exit 0 or 1) ends with :func:`~trojanscope.cli.threads.idle_hint`'s line, if any."""
    try:
        code = _run(argv)
        _idle_hint(code)
        return code
    finally:
        torch_threads.restore()


def _run(argv: list[str] | None) -> int:
    from trojanscope.cli import common, usage

    common.SETTINGS.argv = list(argv if argv is not None else sys.argv[1:])
    debug = "--debug" in common.SETTINGS.argv
    try:
        env_mode()  # a bad TROJANSCOPE_ACTIVATION_TRAITS: refused before any model loads
        torch_threads.env_count()  # a bad TROJANSCOPE_THREADS: the same
        result = _command()(args=common.SETTINGS.argv, prog_name=usage.PROG,
                            standalone_mode=False)
        if result == INTERRUPTED:  # Typer turns Ctrl-C into this exit code
            return _interrupted()
        if isinstance(result, int):  # the parser returns typer.Exit's code in this mode
            return result
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except SystemExit as exc:
        return int(exc.code or 0) if isinstance(exc.code, int) else 2
    except KeyboardInterrupt:
        return _interrupted()
    except Exception as exc:
        if type(exc).__name__ == "Abort":  # Click's own Ctrl-C (Typer's, or older releases')
            if isinstance(exc.__cause__, EOFError):  # not Ctrl-C: a reader hit EOF
                if debug:
                    raise exc.__cause__ from exc
                _error(f"a file ended early (empty or cut short): {exc.__cause__}")
                return 2
            return _interrupted()
        if usage.is_help_request(exc):
            typer.echo(usage.help_text(exc))
            return 0
        if usage.is_usage_error(exc):  # the command line's own error: one line, even with --debug
            message, hint = usage.describe(exc)
            _error(message, hint)
            return 2
        if debug:
            raise
        if isinstance(exc, UserInputError):
            _error(str(exc))
            return 2
        if isinstance(exc, OSError):
            _error(f"{getattr(exc, 'filename', '') or ''}: {exc.strerror or exc}")
            return 2
        _error(f"unexpected {type(exc).__name__}: {exc}", "rerun with --debug for details")
        return 2
    return 0


def _idle_hint(code: int) -> None:
    """One ``hint:`` line on stderr where the default's one thread likely cost an idle machine
    time (not with ``--quiet``, not after an error)."""
    from trojanscope.cli.common import SETTINGS, finish_status_line

    hint = torch_threads.idle_hint() if code in (0, 1) and not SETTINGS.quiet else None
    if hint:
        finish_status_line()
        typer.echo(f"hint: {hint}", err=True)


def _error(message: str, hint: str | None = None) -> None:
    """One ``error:`` line (and an optional hint line) on stderr, on a fresh line."""
    from trojanscope.cli.common import finish_status_line

    finish_status_line()
    typer.echo(f"error: {message}", err=True)
    if hint:
        typer.echo(f"hint: {hint}", err=True)


def _interrupted() -> int:
    _error("interrupted")
    return INTERRUPTED


def entry() -> None:  # pragma: no cover - console script shim
    sys.exit(run())


if __name__ == "__main__":  # ``python -m trojanscope.cli.main`` runs the CLI too
    entry()
