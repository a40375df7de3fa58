"""One registry for every pluggable component: ``(kind, name) -> class``.

Components register themselves with :func:`register`; third-party plug-ins are found through the
``trojanscope.plugins`` entry-point group (each entry point is a module imported for its side
effect of registering). The CLI, the docs and the contract tests read the registry instead of
keeping their own lists.
"""

from __future__ import annotations

import fnmatch
import importlib
import inspect
import re
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any, TypeVar

from trojanscope.errors import UserInputError

T = TypeVar("T")

KINDS = ("dataset", "trigger", "attack", "arch", "detector")

_REGISTRY: dict[str, dict[str, Any]] = {kind: {} for kind in KINDS}
# Modules whose import registers the built-in components of each kind.
_BUILTIN_MODULES = {
    "dataset": "trojanscope.data.bundled",
    "trigger": "trojanscope.triggers",
    "attack": "trojanscope.attacks",
    "arch": "trojanscope.models",
    "detector": "trojanscope.detect",
}
_plugins_loaded = False


def register(kind: str, name: str) -> Callable[[T], T]:
    """Class (or factory) decorator: make ``obj`` available as ``(kind, name)``."""
    if kind not in _REGISTRY:
        _REGISTRY[kind] = {}

    def decorate(obj: T) -> T:
        existing = _REGISTRY[kind].get(name)
        if existing is not None and existing is not obj:
            raise ValueError(f"{kind} {name!r} is registered twice")
        _REGISTRY[kind][name] = obj
        return obj

    return decorate


def _ensure_loaded(kind: str) -> None:
    global _plugins_loaded
    module = _BUILTIN_MODULES.get(kind)
    if module:
        importlib.import_module(module)
    if not _plugins_loaded:
        _plugins_loaded = True
        for ep in entry_points(group="trojanscope.plugins"):
            ep.load()


def names(kind: str, pattern: str = "*") -> list[str]:
    """Registered names of ``kind``, sorted, filtered by a glob ``pattern``."""
    _ensure_loaded(kind)
    return sorted(n for n in _REGISTRY.get(kind, {}) if fnmatch.fnmatch(n, pattern))


def get(kind: str, name: str) -> Any:
    """The class registered as ``(kind, name)``; unknown names list the valid ones."""
    _ensure_loaded(kind)
    try:
        return _REGISTRY[kind][name]
    except KeyError:
        valid = ", ".join(names(kind)) or "(none)"
        raise UserInputError(f"unknown {kind} {name!r}; valid: {valid}") from None


def create(kind: str, name: str, **params: Any) -> Any:
    """Instantiate ``(kind, name)`` with ``params``; unknown parameters are a clear error."""
    cls = get(kind, name)
    accepted = inspect.signature(cls).parameters
    takes_kwargs = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in accepted.values())
    unknown = [k for k in params if k not in accepted and not takes_kwargs]
    if unknown:
        valid = ", ".join(k for k in accepted if k != "self")
        raise UserInputError(
            f"{kind} {name!r} has no parameter(s) {', '.join(unknown)}; valid: {valid}"
        )
    try:
        return cls(**params)
    except UserInputError:
        raise
    except (TypeError, ValueError) as exc:  # a parameter value the component cannot take
        raise UserInputError(f"{kind} {name!r}: bad parameter value: {exc}") from exc


def summary(kind: str, name: str) -> str:
    """The first paragraph of the component's docstring, as plain text, for listings."""
    return plain_summary(inspect.getdoc(get(kind, name)) or "")


def plain_summary(doc: str) -> str:
    """First paragraph of ``doc`` on one line, without reStructuredText markup."""
    paragraph = " ".join(doc.split("\n\n", 1)[0].split())
    paragraph = re.sub(r":\w+:`~?([^`]+)`", r"\1", paragraph)  # :class:`x` -> x
    return paragraph.replace("``", "")
