"""Static evaluation of a few pure functions that payloads use to hide names and nested pickles
(string building, base64, codecs, zlib, ``getattr`` on an import). Only these are modelled; the
real functions are never called on untrusted objects, only on plain str/bytes/int values, with
output sizes capped."""

from __future__ import annotations

import base64
import binascii
import codecs
import zlib
from collections.abc import Callable
from typing import Any

from trojanscope.scan.values import Call, Global

MAX_OUT = 64 << 20
_TEXT_CODECS = {"latin1", "latin-1", "iso-8859-1", "utf-8", "utf8", "ascii", "raw_unicode_escape",
                "unicode_escape", "utf-16", "utf-16-le", "utf-16-be"}
_BYTES_CODECS = {"base64", "base64_codec", "hex", "hex_codec", "zlib", "zlib_codec"}
_STR_CODECS = {"rot13", "rot_13"}


class NotStatic(Exception):
    """The call cannot be evaluated statically (unknown arguments or unsupported codec)."""


def _s(x: Any) -> str:
    if isinstance(x, str):
        return x
    raise NotStatic


def _b(x: Any) -> bytes:
    if isinstance(x, bytes | bytearray):
        return bytes(x)
    if isinstance(x, str):
        return x.encode("latin-1", errors="strict")
    raise NotStatic


def _cap(x: Any) -> Any:
    if isinstance(x, str | bytes) and len(x) > MAX_OUT:
        raise NotStatic
    return x


def _codec(value: Any, encoding: Any = "utf-8", errors: Any = "strict", *, encode: bool) -> Any:
    enc = _s(encoding).lower().replace("_", "-") if isinstance(encoding, str) else None
    name = _s(encoding).lower()
    if enc in _TEXT_CODECS or name in _TEXT_CODECS:
        if encode:
            return _s(value).encode(name, _s(errors))
        return _b(value).decode(name, _s(errors))
    if name in _BYTES_CODECS:
        if name.startswith("zlib"):
            return _zlib(_b(value)) if not encode else zlib.compress(_b(value))
        return codecs.encode(_b(value), name) if encode else codecs.decode(_b(value), name)
    if name in _STR_CODECS:
        return codecs.encode(_s(value), name)
    raise NotStatic


def _zlib(data: Any, *_: Any) -> bytes:
    d = zlib.decompressobj()
    out = d.decompress(_b(data), MAX_OUT)
    if d.unconsumed_tail:
        raise NotStatic
    return out


def _concat(a: Any, b: Any) -> Any:
    if isinstance(a, str) and isinstance(b, str):
        return a + b
    return _b(a) + _b(b)


def _join(sep: Any, items: Any) -> Any:
    if not isinstance(items, list | tuple) or getattr(items, "dropped", 0):
        raise NotStatic
    if isinstance(sep, str):
        return sep.join(_s(i) for i in items)
    return _b(sep).join(_b(i) for i in items)


def _to_str(x: Any = "", *rest: Any) -> str:
    if isinstance(x, str) and not rest:
        return x
    if isinstance(x, bytes) and rest:
        return x.decode(_s(rest[0]))
    if isinstance(x, int) and not isinstance(x, bool):
        return str(x)
    raise NotStatic


def _to_bytes(x: Any = b"", *rest: Any) -> bytes:
    if isinstance(x, str) and rest:
        return x.encode(_s(rest[0]))
    if isinstance(x, bytes):
        return x
    if isinstance(x, list | tuple) and all(isinstance(i, int) for i in x) and not getattr(
            x, "dropped", 0):
        return bytes(x)
    raise NotStatic


EVALUATORS: dict[str, Callable[..., Any]] = {
    "builtins.str": _to_str,
    "builtins.bytes": _to_bytes,
    "builtins.bytearray": _to_bytes,
    "builtins.str.join": _join,
    "builtins.bytes.join": _join,
    "builtins.str.__add__": _concat,
    "builtins.bytes.fromhex": lambda s: bytes.fromhex(_s(s)),
    "builtins.bytes.decode": lambda b, enc="utf-8", *_: _b(b).decode(_s(enc)),
    "builtins.str.encode": lambda s, enc="utf-8", *_: _s(s).encode(_s(enc)),
    "operator.add": _concat,
    "operator.concat": _concat,
    "_codecs.encode": lambda *a: _codec(*a, encode=True),
    "codecs.encode": lambda *a: _codec(*a, encode=True),
    "_codecs.decode": lambda *a: _codec(*a, encode=False),
    "codecs.decode": lambda *a: _codec(*a, encode=False),
    "base64.b64decode": lambda s, *_: base64.b64decode(_b(s)),
    "base64.standard_b64decode": lambda s: base64.standard_b64decode(_b(s)),
    "base64.urlsafe_b64decode": lambda s: base64.urlsafe_b64decode(_b(s)),
    "base64.b32decode": lambda s, *_: base64.b32decode(_b(s)),
    "base64.b16decode": lambda s, *_: base64.b16decode(_b(s)),
    "base64.b85decode": lambda s: base64.b85decode(_b(s)),
    "base64.decodebytes": lambda s: base64.decodebytes(_b(s)),
    "binascii.a2b_base64": lambda s, *_: binascii.a2b_base64(_b(s)),
    "binascii.unhexlify": lambda s: binascii.unhexlify(_b(s)),
    "binascii.a2b_hex": lambda s: binascii.a2b_hex(_b(s)),
    "zlib.decompress": _zlib,
}
_ALIASES = {"__builtin__": "builtins", "_operator": "operator"}


def canonical(full: str) -> str:
    head, _, rest = full.partition(".")
    head = _ALIASES.get(head, head)
    return f"{head}.{rest}" if rest else head


def evaluate(func: Global, args: Any) -> Any:
    """The value of ``func(*args)`` for the modelled pure functions; NotStatic otherwise."""
    fn = EVALUATORS.get(canonical(func.full))
    if fn is None or not isinstance(args, tuple):
        raise NotStatic
    try:
        return _cap(fn(*args))
    except NotStatic:
        raise
    except (ValueError, TypeError, LookupError, binascii.Error, zlib.error, UnicodeError,
            OverflowError, MemoryError):
        raise NotStatic from None


def resolve_import(func: Global, args: Any) -> Global | None:
    """A Global that ``func(*args)`` would import or look up (``getattr(os, 'system')``,
    ``__import__('os')``, ``importlib.import_module('os')``,
    ``pkgutil.resolve_name('os:system')``)."""
    name = canonical(func.full)
    if not isinstance(args, tuple) or not args:
        return None
    if name == "builtins.getattr" and len(args) >= 2 and isinstance(args[0], Global) and \
            isinstance(args[1], str):
        base = args[0]
        return Global(base.module, f"{base.name}.{args[1]}" if base.name else args[1])
    if name in ("builtins.__import__", "importlib.import_module", "importlib.__import__") and \
            isinstance(args[0], str):
        return Global(args[0], "")
    if name in ("pkgutil.resolve_name", "pydoc.locate") and isinstance(args[0], str):
        mod, sep, attr = args[0].partition(":")
        if not sep:
            mod, _, attr = args[0].rpartition(".")
        return Global(mod, attr) if mod else Global(attr, "")
    return None


def resolve_getter(getter: Any, args: Any) -> Global | None:
    """``attrgetter('system')(os)`` / ``methodcaller('system', cmd)(os)`` → ``os.system``."""
    if not (isinstance(getter, Call) and isinstance(getter.func, Global)):
        return None
    kind = canonical(getter.func.full)
    if kind not in ("operator.attrgetter", "operator.methodcaller"):
        return None
    if not (isinstance(getter.args, tuple) and getter.args and isinstance(getter.args[0], str)):
        return None
    if not (isinstance(args, tuple) and args and isinstance(args[0], Global)):
        return None
    base, attr = args[0], getter.args[0]
    return Global(base.module, f"{base.name}.{attr}" if base.name else attr)


__all__ = ["EVALUATORS", "NotStatic", "canonical", "evaluate", "resolve_getter",
           "resolve_import"]
