"""One registry for every extension point: ``(kind, name) -> class``.

Components register themselves with :func:`register` in the module that defines them. The
built-in components of a kind are found by importing every module of the kind's packages (so a
new method is one new file, and nothing else to edit); third-party plug-ins are found through the
``trojanscope.plugins`` entry-point group (each entry point is a module imported for its side
effect of registering). The CLI, the docs and the contract tests read the registry instead of
keeping their own lists. ``trojanscope list KIND`` shows what is registered.
"""

from __future__ import annotations

import fnmatch
import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any, TypeVar

from trojanscope.errors import UserInputError

T = TypeVar("T")

PLUGIN_GROUP = "trojanscope.plugins"


@dataclass(frozen=True)
class Kind:
    """An extension point: what it is for, and the packages whose modules register built-ins."""

    name: str
    description: str
    packages: tuple[str, ...]


_KINDS = [
    Kind("dataset", "bundled datasets (offline)", ("trojanscope.data",)),
    Kind("data-format", "user data on disk (files and folders the loaders read)",
         ("trojanscope.data",)),
    Kind("arch", "model architectures", ("trojanscope.models",)),
    Kind("trigger", "trigger families", ("trojanscope.triggers",)),
    Kind("attack", "poisoning attacks", ("trojanscope.attacks",)),
    Kind("detector", "model-level backdoor detectors", ("trojanscope.detect",)),
    Kind("input-detector", "input-level (run-time) trigger detectors",
         ("trojanscope.detect.input_level",)),
    Kind("data-detector", "data-level poison detectors", ("trojanscope.detect.data",)),
    Kind("mitigation", "post-training backdoor mitigation", ("trojanscope.mitigate",)),
    Kind("input-purifier", "input preprocessing defences", ("trojanscope.purify",)),
    Kind("defence", "training-time defences (robust training, certifiable training)",
         ("trojanscope.defences",)),
    Kind("audit-step", "steps of the audit pipeline", ("trojanscope.audit",)),
    Kind("report-format", "report formats of scan and audit", ("trojanscope.report",)),
    Kind("scan-format", "file formats the scanner recognises and walks", ("trojanscope.scan",)),
    Kind("scan-layout", "model-folder layouts the scanner checks as a whole",
         ("trojanscope.scan",)),
    Kind("command", "commands of the trojanscope CLI", ("trojanscope.cli.commands",)),
    Kind("executor", "back-ends that run many tasks (serial, process pool, Ray)",
         ("trojanscope.executor",)),
]
KIND_INFO: dict[str, Kind] = {k.name: k for k in _KINDS}
KINDS: tuple[str, ...] = tuple(KIND_INFO)

_REGISTRY: dict[str, dict[str, Any]] = {kind: {} for kind in KINDS}
_loaded_packages: set[str] = set()
_plugins_loaded = False


def add_kind(name: str, description: str, packages: tuple[str, ...] = ()) -> None:
    """Declare a new extension point (for plug-ins that bring a kind of their own)."""
    global KINDS
    if name in KIND_INFO:
        return
    KIND_INFO[name] = Kind(name, description, packages)
    KINDS = tuple(KIND_INFO)
    _REGISTRY.setdefault(name, {})


def register(kind: str, name: str) -> Callable[[T], T]:
    """Class (or factory) decorator: make ``obj`` available as ``(kind, name)``."""
    if kind not in KIND_INFO:
        raise ValueError(f"unknown registry kind {kind!r}; declare it with add_kind() first")

    def decorate(obj: T) -> T:
        existing = _REGISTRY[kind].get(name)
        if existing is not None and existing is not obj:
            raise ValueError(f"{kind} {name!r} is registered twice")
        _REGISTRY[kind][name] = obj
        return obj

    return decorate


def _import_package(package: str) -> None:
    """Import ``package`` and every module below it (each registers what it defines)."""
    if package in _loaded_packages:
        return
    _loaded_packages.add(package)
    module = importlib.import_module(package)
    for info in pkgutil.walk_packages(getattr(module, "__path__", []), prefix=f"{package}."):
        if not info.name.rsplit(".", 1)[-1].startswith("_"):
            importlib.import_module(info.name)


def load_plugins() -> None:
    """Import every ``trojanscope.plugins`` entry point once."""
    global _plugins_loaded
    if _plugins_loaded:
        return
    _plugins_loaded = True
    for ep in entry_points(group=PLUGIN_GROUP):
        ep.load()


def _ensure_loaded(kind: str) -> None:
    info = KIND_INFO.get(kind)
    for package in info.packages if info else ():
        _import_package(package)
    load_plugins()


def _check_kind(kind: str) -> None:
    if kind not in KIND_INFO:
        load_plugins()  # a plug-in may declare it
    if kind not in KIND_INFO:
        raise UserInputError(f"unknown kind {kind!r}; valid: {', '.join(KINDS)}")


def names(kind: str, pattern: str = "*") -> list[str]:
    """Registered names of ``kind``, sorted, filtered by a glob ``pattern``."""
    _check_kind(kind)
    _ensure_loaded(kind)
    return sorted(n for n in _REGISTRY.get(kind, {}) if fnmatch.fnmatch(n, pattern))


def items(kind: str) -> list[tuple[str, Any]]:
    """``(name, class)`` pairs of ``kind``, in the order their ``order`` attribute gives (then
    by name): audit steps, report formats and commands have an order; others sort by name."""
    found = [(n, _REGISTRY[kind][n]) for n in names(kind)]
    return sorted(found, key=lambda pair: (getattr(pair[1], "order", 0), pair[0]))


def get(kind: str, name: str) -> Any:
    """The class registered as ``(kind, name)``; unknown names list the valid ones."""
    _check_kind(kind)
    _ensure_loaded(kind)
    try:
        return _REGISTRY[kind][name]
    except KeyError:
        valid = ", ".join(names(kind)) or "(none)"
        raise UserInputError(f"unknown {kind} {name!r}; valid: {valid}") from None


def near_names(unknown: list[str], valid: list[str]) -> str:
    """"; did you mean min_poison_rows?" for each unknown name one valid name is close to (a
    typo), else "": the valid list of a method like ``gated`` runs to a hundred names (stop 77
    first contact: ``--attack-param min_poison_row=10``)."""
    import difflib

    said = []
    for name in unknown:
        close = difflib.get_close_matches(name, valid, n=1, cutoff=0.8)
        if close:
            said.append(f"{close[0]} for {name}" if len(unknown) > 1 else close[0])
    return f"; did you mean {', '.join(said)}?" if said else ""


def create(kind: str, name: str, **params: Any) -> Any:
    """Instantiate ``(kind, name)`` with ``params``; unknown parameters are a clear error."""
    cls = get(kind, name)
    accepted = inspect.signature(cls).parameters
    takes_kwargs = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in accepted.values())
    unknown = [k for k in params if k not in accepted and not takes_kwargs]
    if unknown:
        valid = ", ".join(k for k in accepted if k != "self") or "(none)"
        hint = getattr(cls, "unknown_hint", None)  # a component may say where they belong
        extra = hint(unknown) if callable(hint) else ""
        extra += near_names(unknown, [k for k in accepted if k != "self"])
        raise UserInputError(
            f"{kind} {name!r} has no parameter(s) {', '.join(unknown)}; valid: {valid}{extra}"
        )
    from trojanscope.params import check_ranges, check_types

    what = f"{kind} {name!r}"
    params = check_types(what, cls, params)  # steps=abc, folds=NaN: one line
    try:  # the component's own checks first: their messages are the most precise
        made = cls(**params)
    except UserInputError:
        raise
    except (TypeError, ValueError) as exc:  # a parameter value the component cannot take
        raise UserInputError(f"{what}: bad parameter value: {exc}") from exc
    except (MemoryError, RuntimeError) as exc:  # width=-1 or 1e12: torch cannot build layers
        check_ranges(what, cls, params)  # a value outside its range says so
        if isinstance(exc, MemoryError) or "allocate" in str(exc):
            raise UserInputError(f"{what}: parameters too large to build it (out of memory)") \
                from exc
        raise
    check_ranges(what, cls, params)  # what the component took unchecked: lr=1e12, k=-1, gate=3
    return made


def summary(kind: str, name: str) -> str:
    """The first paragraph of the component's docstring, as plain text, for listings."""
    return plain_summary(inspect.getdoc(get(kind, name)) or "")


def plain_summary(doc: str) -> str:
    """First paragraph of ``doc`` on one line, without reStructuredText markup."""
    paragraph = " ".join(doc.split("\n\n", 1)[0].split())
    paragraph = re.sub(r":\w+:`~?([^`]+)`", r"\1", paragraph)  # :class:`x` -> x
    return paragraph.replace("``", "")
