"""Symbolic values of the pickle stack model: what an unpickler *would* build, never built."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MAX_ITEMS = 64  # container items kept for evidence and argument resolution


@dataclass(eq=False)
class Global:
    """An object imported by GLOBAL/STACK_GLOBAL/INST (or resolved through getattr/import)."""

    module: str
    name: str

    @property
    def full(self) -> str:
        return f"{self.module}.{self.name}" if self.name else self.module


@dataclass(eq=False)
class Call:
    """The result of calling ``func`` with ``args`` (REDUCE, NEWOBJ, OBJ, INST)."""

    func: Any
    args: Any
    state: Any = None


@dataclass(eq=False)
class Unknown:
    """A value the static model cannot know (a missing memo key, a buffer…)."""

    why: str


@dataclass(eq=False)
class Persistent:
    """A persistent id (PERSID/BINPERSID); PyTorch uses them for storages."""

    pid: Any


@dataclass(eq=False)
class BytesRef:
    """A bytes value too large to keep: only where it was and how long it is."""

    offset: int
    length: int


class PList(list):
    """A list (or set/frozenset) of which only the first MAX_ITEMS items are kept."""

    __slots__ = ("dropped",)

    def __init__(self) -> None:
        super().__init__()
        self.dropped = 0

    def add(self, item: Any, keep: bool = True) -> None:
        if keep and len(self) < MAX_ITEMS:
            self.append(item)
        else:
            self.dropped += 1


class PDict:
    """A dict as a list of (key, value) pairs (keys may be unhashable symbolic values); the
    list is created on the first item, so empty dicts stay small."""

    __slots__ = ("dropped", "items")

    def __init__(self) -> None:
        self.items: list[tuple[Any, Any]] | tuple[()] = ()
        self.dropped = 0

    def add(self, key: Any, value: Any, keep: bool = True) -> None:
        if keep and len(self.items) < MAX_ITEMS:
            if not self.items:
                self.items = []
            self.items.append((key, value))  # type: ignore[union-attr]
        else:
            self.dropped += 1

    def get(self, key: Any, default: Any = None) -> Any:
        for k, v in self.items:
            if isinstance(k, str) and k == key:
                return v
        return default


def preview(value: Any, limit: int = 160, depth: int = 0) -> str:
    """A short, printable rendering of a symbolic value for evidence and messages."""
    if depth > 4:
        return "…"
    if isinstance(value, Global):
        text = value.full
    elif isinstance(value, Call):
        args = value.args
        inner = ", ".join(preview(a, limit, depth + 1) for a in args) if isinstance(
            args, tuple) else preview(args, limit, depth + 1)
        text = f"{preview(value.func, limit, depth + 1)}({inner})"
    elif isinstance(value, Unknown):
        text = f"<unknown: {value.why}>"
    elif isinstance(value, BytesRef):
        text = f"<{value.length} bytes at offset {value.offset}>"
    elif isinstance(value, Persistent):
        text = f"<persistent {preview(value.pid, limit, depth + 1)}>"
    elif isinstance(value, PDict):
        pairs = (f"{preview(k, limit, depth + 1)}: {preview(v, limit, depth + 1)}"
                 for k, v in value.items[:8])
        text = "{" + ", ".join(pairs) + ("…}" if len(value.items) > 8 else "}")
    elif isinstance(value, tuple | list):
        text = ", ".join(preview(v, limit, depth + 1) for v in value[:8])
        text = ("(" if isinstance(value, tuple) else "[") + text + (
            "…" if len(value) > 8 else "") + (")" if isinstance(value, tuple) else "]")
    elif isinstance(value, bytes | bytearray):
        text = repr(bytes(value[:48])) + (f"… ({len(value)} bytes)" if len(value) > 48 else "")
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
