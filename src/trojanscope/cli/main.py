"""The ``trojanscope`` command: a Typer app assembled from one module per command.

Every command module exposes ``register(app)``. :func:`run` is the console entry point: it turns
:class:`~trojanscope.errors.UserInputError` (and unreadable files) into one ``error:`` line on
stderr and exit code 2, without a traceback unless ``--debug`` is given.
"""

from __future__ import annotations

import importlib
import logging
import sys

import typer

from trojanscope import __version__
from trojanscope.errors import UserInputError

COMMAND_MODULES = [
    "demo", "audit", "history", "list_cmd", "train", "attack", "detect", "zoo", "scan", "sign",
    "bom",
]

app = typer.Typer(
    name="trojanscope",
    help="Neural-network backdoor security: plant, detect, mitigate and audit backdoors.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
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
) -> None:
    """trojanscope: neural-network backdoor security toolkit."""
    from trojanscope.cli import common

    common.SETTINGS.debug = debug
    common.SETTINGS.quiet = quiet
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, stream=sys.stderr)


for _module in COMMAND_MODULES:
    importlib.import_module(f"trojanscope.cli.{_module}").register(app)


def run(argv: list[str] | None = None) -> int:
    """Console entry point; returns the exit code (also used by tests)."""
    from trojanscope.cli import common

    common.SETTINGS.argv = list(argv if argv is not None else sys.argv[1:])
    debug = "--debug" in common.SETTINGS.argv
    try:
        result = app(args=argv, standalone_mode=False)
        if isinstance(result, int):  # click returns typer.Exit's code in non-standalone mode
            return result
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except SystemExit as exc:
        return int(exc.code or 0) if isinstance(exc.code, int) else 2
    except (UserInputError, OSError) as exc:
        if debug:
            raise
        if isinstance(exc, UserInputError):
            message = str(exc)
        else:
            message = f"{getattr(exc, 'filename', '') or ''}: {exc.strerror or exc}"
        typer.echo(f"error: {message}", err=True)
        return 2
    except KeyboardInterrupt:
        typer.echo("error: interrupted", err=True)
        return 130
    except Exception as exc:  # click usage errors and anything unexpected
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            return 2
        if debug:
            raise
        typer.echo(
            f"error: unexpected {type(exc).__name__}: {exc} (rerun with --debug for details)",
            err=True,
        )
        return 2
    return 0


def entry() -> None:  # pragma: no cover - console script shim
    sys.exit(run())
