"""Import scan of the rest of a pickle stream after the stack model stopped (malformed data, a
limit): opcodes are skipped by their argument layout alone, GLOBAL/INST names are read, and
STACK_GLOBAL takes the last two strings seen (also through the memo). No stack is kept, so
memory stays constant; a byte that is no opcode is stepped over, so a payload hidden behind a
spot the model rejects is still found. What it finds is reported at its own severity."""

from __future__ import annotations

import pickletools
import re
import struct
from typing import Any

from trojanscope.scan.budget import CHECK_MASK, Budget
from trojanscope.scan.pickle_machine import ImportRecord, PickleResult
from trojanscope.scan.stream import Reader, Truncated

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_NAME_MAX = 512  # longer strings are not import names
_MEMO_MAX = 100_000
_SKIP_MAX = 16 << 20  # longer arguments are not skipped but scanned through (see _step)
_STRINGS = {"SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE", "STRING", "BINSTRING",
            "SHORT_BINSTRING"}
_LENGTH = {pickletools.TAKEN_FROM_ARGUMENT1: ("<B", 1), pickletools.TAKEN_FROM_ARGUMENT4:
           ("<i", 4), pickletools.TAKEN_FROM_ARGUMENT4U: ("<I", 4),
           pickletools.TAKEN_FROM_ARGUMENT8U: ("<Q", 8)}
_OPS = {ord(op.code.encode("latin-1")): (op.name, op.arg) for op in pickletools.opcodes}
HOW_SUFFIX = " (found after the analysis stopped)"


def _name(raw: bytes) -> str | None:
    text = raw.rstrip(b"\r\n").decode("utf-8", "replace")
    return text if _IDENT.match(text) else None


def _string(name: str, raw: bytes) -> str | None:
    if name == "UNICODE":
        raw = raw[:-1]
    elif name == "STRING":
        raw = raw.rstrip(b"\r\n")[1:-1]
    text = raw.decode("utf-8", "replace")
    return text if len(text) <= _NAME_MAX else None


def rescan_imports(r: Reader, res: PickleResult, max_opcodes: int,
                   budget: Budget | None) -> str | None:
    """Scan the reader to its end for imports, adding them to ``res``; returns the limit that
    stopped it early, or None when the stream was read to the end."""
    recent: list[str | None] = [None, None]
    memo: dict[int, str | None] = {}
    count = 0

    def record(module: str | None, name: str | None, how: str, at: int) -> None:
        if module and name and _IDENT.match(module) and _IDENT.match(name):
            rec = res.imports.get((module, name))
            if rec is None:
                rec = ImportRecord(module, name, at, res.opcodes + count, how + HOW_SUFFIX)
                res.imports[(module, name)] = rec
            rec.count += 1

    while True:
        count += 1
        if count > max_opcodes:
            return f"opcode limit ({max_opcodes}) reached"
        if not count & CHECK_MASK and budget is not None and (spent := budget.spent()):
            return spent
        at = r.pos
        try:
            code = r.read_byte()
        except Truncated:
            return None
        op = _OPS.get(code)
        if op is None:
            continue  # not an opcode: step over it
        name, arg = op
        try:
            pushed = _step(r, name, arg, recent, memo, record, at)
        except (Truncated, ValueError, struct.error):
            if r.at_eof():
                return None
            continue
        if pushed is not _KEEP:
            recent = [recent[1], pushed]


_KEEP = object()


def _step(r: Reader, name: str, arg: pickletools.ArgumentDescriptor | None,
          recent: list[str | None], memo: dict[int, str | None], record: Any,
          at: int) -> object:
    """Consume one opcode's argument; returns the string it pushed, None for another value,
    or _KEEP when it pushed nothing that matters for names."""
    if name in ("GLOBAL", "INST"):
        module = _name(r.readline_capped(_NAME_MAX)[0])
        attr = _name(r.readline_capped(_NAME_MAX)[0])
        record(module, attr, name, at)
        return None
    if name == "STACK_GLOBAL":
        record(recent[0], recent[1], name, at)
        return None
    if arg is None:
        if name == "MEMOIZE" and len(memo) < _MEMO_MAX:
            memo[len(memo)] = recent[1]
        return _KEEP if name in ("MEMOIZE", "MARK") else None
    if arg.n >= 0:
        data = r.read_exact(arg.n)
        if name in ("BINPUT", "LONG_BINPUT"):
            key = data[0] if arg.n == 1 else struct.unpack("<I", data)[0]
            if len(memo) < _MEMO_MAX:
                memo[key] = recent[1]
            return _KEEP
        if name in ("BINGET", "LONG_BINGET"):
            key = data[0] if arg.n == 1 else struct.unpack("<I", data)[0]
            return memo.get(key)
        return _KEEP if name in ("PROTO", "FRAME") else None
    if arg.n == pickletools.UP_TO_NEWLINE:
        line, _ = r.readline_capped(_NAME_MAX + 4)
        if name in ("PUT", "GET"):
            try:
                key = int(line)
            except ValueError:
                return None
            if name == "GET":
                return memo.get(key)
            if len(memo) < _MEMO_MAX:
                memo[key] = recent[1]
            return _KEEP
        return _string(name, line) if name in _STRINGS else None
    fmt, width = _LENGTH[arg.n]
    (length,) = struct.unpack(fmt, r.read_exact(width))
    if length < 0:
        raise ValueError("negative length")
    if length > _SKIP_MAX or len(r.peek(length)) < length:
        # A length the stream does not hold (a stray byte that looks like a length-prefixed
        # opcode, or a blob too large to check): skipping it would jump past what follows, so
        # the scan goes on right after the length field instead.
        raise ValueError("argument length past what the stream holds")
    if name in _STRINGS and length <= _NAME_MAX:
        return _string(name, r.read_exact(length))
    r.skip(length)
    return None


__all__ = ["HOW_SUFFIX", "rescan_imports"]
