"""Scanning pickle streams: several pickles back to back, the legacy PyTorch layout, joblib's
inline arrays, nested payloads, and findings for every import and anomaly."""

from __future__ import annotations

import re
import struct

from trojanscope.scan.context import Ctx
from trojanscope.scan.pickle_machine import (
    JOBLIB_WRAPPERS,
    Limits,
    PickleError,
    PickleMachine,
    PickleResult,
)
from trojanscope.scan.stream import Reader, Truncated
from trojanscope.scan.values import BytesRef

TORCH_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_PARSE_ERRORS = (PickleError, EOFError, ValueError, struct.error, OverflowError, MemoryError,
                 RecursionError)


def _plausible(res: PickleResult) -> bool:
    """Does a walk that was only a guess look like a real pickle?"""
    names_ok = all(_IDENT.match(r.module) and (not r.name or _IDENT.match(r.name))
                   for r in res.imports.values())
    return names_ok and (res.complete or bool(res.imports))


def walk_one(ctx: Ctx, reader: Reader) -> PickleResult:
    """Walk one pickle from the reader's position; errors are stored, not raised."""
    pol = ctx.policy
    limits = Limits(max_opcodes=pol.limits.max_opcodes)
    machine = PickleMachine(reader, limits, frozenset(pol.loaders))
    try:
        machine.run()
    except _PARSE_ERRORS as exc:
        machine.res.error = str(exc) or type(exc).__name__
        machine.res.error_offset = machine.op_offset
    return machine.res


def scan_pickle(ctx: Ctx, reader: Reader, *, guess: bool = False) -> bool:
    """Scan every pickle in the stream; returns False when ``guess`` and it is no pickle."""
    from trojanscope.scan.engine import scan_bytes

    index = 0
    first: PickleResult | None = None
    while True:
        start = reader.pos
        res = walk_one(ctx, reader)
        if index == 0:
            if guess and not _plausible(res):
                return False
            first = res
        elif not res.complete and not _plausible(res):
            if not (first and first.value == TORCH_LEGACY_MAGIC):
                ctx.add("TS181", f"{reader.pos - start}+ bytes after the last complete pickle "
                        "are not a pickle", offset=start)
            break
        _report(ctx, res, index, start)
        for nested in res.nested:
            label = f"<{nested.via}@{nested.offset}>"
            if isinstance(nested.data, BytesRef):
                ctx.add("TS170", f"{nested.via} gets a {nested.data.length}-byte payload, too "
                        "large to keep for a nested scan", offset=nested.offset)
            elif ctx.depth + 1 > ctx.policy.limits.max_depth:
                ctx.add("TS183", f"nested payload of {nested.via} not scanned: depth limit",
                        offset=nested.offset)
            else:
                scan_bytes(ctx.child(label), nested.data, label)
        if res.error is not None:
            break
        index += 1
        if first is not None and first.value == TORCH_LEGACY_MAGIC and index == 5:
            ctx.note_kind("pytorch-legacy")
            break  # magic, protocol, sys info, object, storage keys; raw storages follow
        try:
            if reader.at_eof():
                break
        except OSError:
            break
    if first is not None and first.value == TORCH_LEGACY_MAGIC:
        ctx.note_kind("pytorch-legacy")
    return True


def _report(ctx: Ctx, res: PickleResult, index: int, start: int) -> None:
    pol = ctx.policy
    if any(r.full in JOBLIB_WRAPPERS for r in res.imports.values()):
        ctx.note_kind("joblib")
    for rec in res.imports.values():
        verdict = pol.classify(rec.module, rec.name)
        cat = verdict.category
        ctx.add(cat.rule_id, f"imports {rec.full}: {cat.why}", severity=cat.severity,
                offset=rec.offset, position=rec.position, **{
                    "global": f"{rec.module}:{rec.name}", "canonical": verdict.canonical,
                    "pattern": verdict.pattern, "category": cat.name, "via": rec.how,
                    "count": rec.count, "calls": rec.calls or None,
                    "pickle_index": index})
    for a in res.anomalies:
        ctx.add(a.rule, a.message, offset=a.offset, position=a.position, pickle_index=index,
                **a.evidence)
    if res.error is not None:
        found = len(res.imports)
        ctx.add("TS180", f"pickle #{index} is malformed at offset {res.error_offset}: "
                f"{res.error} ({found} import(s) before it were analysed)",
                offset=res.error_offset, position=res.opcodes, error=res.error,
                pickle_index=index, pickle_start=start)


__all__ = ["Truncated", "scan_pickle", "walk_one"]
