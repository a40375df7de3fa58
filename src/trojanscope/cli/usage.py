"""Usage errors (missing or unknown options, bad types, ranges, choices) as one ``error:`` line.

Typer's parser is Click, which Typer has vendored since 0.22 (``typer._click``) while older
releases use the ``click`` package. The exception classes are found through Typer's public
:class:`typer.BadParameter`, so the same code works with either, and nothing imports ``click``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import get_origin

import typer

PROG = "trojanscope"

# Typer >= 0.22 checks option types with pydantic; its messages, in the words of our other errors.
_REWORDS = [
    (re.compile(r"Value error, "), ""),
    (re.compile(r"Input should be a valid integer.*"), "expected a whole number"),
    (re.compile(r"Input should be a valid number.*"), "expected a number"),
    (re.compile(r"Input should be a valid boolean.*"), "expected true or false"),
    (re.compile(r"Input should be greater than or equal to (\S+)"), r"must be at least \1"),
    (re.compile(r"Input should be less than or equal to (\S+)"), r"must be at most \1"),
    (re.compile(r"Input should be greater than (\S+)"), r"must be more than \1"),
    (re.compile(r"Input should be less than (\S+)"), r"must be less than \1"),
]


def _base(name: str) -> type[Exception]:
    for cls in typer.BadParameter.__mro__:
        if cls.__name__ == name:
            return cls
    raise RuntimeError(f"typer.BadParameter has no {name} base")  # pragma: no cover


ClickException = _base("ClickException")


def is_usage_error(exc: BaseException) -> bool:
    """Whether ``exc`` is one of the parser's own errors (usage or file errors)."""
    return isinstance(exc, ClickException)


def is_help_request(exc: BaseException) -> bool:
    """``trojanscope`` alone: the parser raises an error that carries the help text."""
    return type(exc).__name__ == "NoArgsIsHelpError"


def help_text(exc: BaseException) -> str:
    """The help text a no-arguments error carries."""
    return exc.format_message()  # type: ignore[attr-defined]


def describe(exc: BaseException) -> tuple[str, str]:
    """``(message, hint)`` for a parser error: one line each, the message naming the option and
    what it expects, the hint the ``--help`` to read."""
    message = " ".join(exc.format_message().split())  # type: ignore[attr-defined]
    for pattern, replacement in _REWORDS:
        message = pattern.sub(replacement, message)
    message = message[:1].lower() + message[1:]
    param = getattr(exc, "param", None)
    if type(exc).__name__ == "MissingParameter" and param is not None:
        expected = (getattr(param, "help", None) or "").strip().rstrip(".")
        if expected:
            message = f"{message.rstrip('.')}: {expected[:1].lower()}{expected[1:]}"
    ctx = getattr(exc, "ctx", None)
    path = getattr(ctx, "command_path", None) or PROG
    name = getattr(exc, "option_name", None)
    if type(exc).__name__ == "NoSuchOption" and name in _OWN and path != PROG:
        value = " N" if name == "--threads" else ""
        return message, (f"{name} is an option of {PROG} itself: write it before the command "
                         f"({PROG} {name}{value} {path.removeprefix(PROG).strip()} ...)")
    return message, f"see '{path} --help'"


_OWN = ("--threads", "--quiet", "-q", "--debug")  # the app's options a user may write after
# the command


# Help shows a value's kind in words, never a Python annotation such as <list[Path]>.
_METAVARS = [("path", "PATH"), ("int", "INTEGER"), ("float", "NUMBER"), ("str", "TEXT")]


def tidy_help(command: object) -> None:
    """Give every option of ``command`` (and its subcommands) a plain metavar: none on flags,
    ``TEXT``/``INTEGER``/``NUMBER``/``PATH`` on values (``...`` when repeatable)."""
    for param in getattr(command, "params", []):
        if getattr(param, "metavar", None) is not None:
            continue
        if not hasattr(param, "is_flag"):  # an argument: its name, as the usage line shows it
            param.metavar = param.name.upper()
            word = param.metavar.rstrip("S") if param.nargs != 1 else param.metavar
            param.display_type_rich = lambda ctx, word=word: word  # not <list[Path]>
            continue
        if param.is_flag:
            param.metavar = ""
            continue
        annotation = getattr(getattr(param, "type_descriptor", None), "annotation", None)
        text = (str(annotation) if get_origin(annotation) else
                str(getattr(annotation, "__name__", annotation))).lower()
        descriptor = getattr(param, "type_descriptor", None)
        if descriptor is not None and descriptor.is_choice:
            choices = [str(getattr(c, "value", c)) for c in descriptor.choices or ()]
            param.metavar = max(param.opts, key=len).lstrip("-").upper()
            if choices and "one of" not in (param.help or ""):
                param.help = f"{param.help or ''} One of: {', '.join(choices)}.".strip()
            continue
        word = next((w for key, w in _METAVARS if key in text), None)
        if word is not None:
            param.metavar = word + ("..." if param.multiple else "")
    original = getattr(command, "get_help_option", None)
    if original is not None:
        def help_option(ctx: object, original: Callable = original) -> object:
            option = original(ctx)
            if option is not None:
                option.metavar = ""  # a flag: no value to show
            return option

        command.get_help_option = help_option  # type: ignore[attr-defined]
    for sub in getattr(command, "commands", {}).values():
        tidy_help(sub)
