"""Scanning pickle streams: several pickles back to back, the legacy PyTorch layout, joblib's
inline arrays, nested payloads, and findings for every import and anomaly."""

from __future__ import annotations

import re
import struct

from trojanscope.scan.budget import CHECK_EVERY, PICKLE_WEIGHT
from trojanscope.scan.compressed import BombError, CorruptStream
from trojanscope.scan.context import Ctx
from trojanscope.scan.pickle_machine import (
    JOBLIB_WRAPPERS,
    AnalysisLimit,
    Anomaly,
    PickleError,
    PickleMachine,
    PickleResult,
    WalkLimits,
)
from trojanscope.scan.pickle_rescan import rescan_imports
from trojanscope.scan.stream import Reader, Truncated
from trojanscope.scan.values import BytesRef

TORCH_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
# where CPython's unpickler stops too (the stream is malformed) ...
_PARSE_ERRORS = (PickleError, EOFError, ValueError, struct.error)
# ... and where only the scanner had to stop
_OWN_LIMITS = (AnalysisLimit, OverflowError, MemoryError, RecursionError)


def _plausible(res: PickleResult) -> bool:
    """Does a walk that was only a guess look like a real pickle? It ran to STOP, or it
    imported at least one real-looking name (what runs before a later error runs)."""
    return res.complete or any(
        _IDENT.match(r.module) and (not r.name or _IDENT.match(r.name))
        for r in res.imports.values())


def walk_one(ctx: Ctx, reader: Reader) -> PickleResult:
    """Walk one pickle from the reader's position; errors are stored, not raised (except a
    broken compressed stream underneath, which the caller re-raises after reporting)."""
    pol = ctx.policy
    limits = WalkLimits(max_opcodes=pol.limits.max_opcodes, budget=ctx.budget)
    machine = PickleMachine(reader, limits, frozenset(pol.loaders))
    res = machine.res
    crossed = len(reader.crossed)
    try:
        machine.run()
    except _OWN_LIMITS as exc:
        res.limit = str(exc) or type(exc).__name__
        res.error_offset = machine.op_offset
    except _PARSE_ERRORS as exc:
        res.error = str(exc) or type(exc).__name__
        res.error_offset = machine.op_offset
    except (CorruptStream, BombError) as exc:
        res.error = f"the stream under the pickle broke: {exc}"
        res.error_offset = machine.op_offset
        res.stream_error = exc
    for at in reader.crossed[crossed:][:5]:
        res.anomalies.append(Anomaly(
            "TS182", f"a read at offset {at} runs past the end of its FRAME: CPython's C "
            "unpickler drops the rest of the frame there, other unpicklers do not, so what "
            "follows depends on the loader (walked as the C unpickler reads a file object)",
            at, res.opcodes, {"limit": "frame crossing"}))
    return res


def _rescan(ctx: Ctx, reader: Reader, res: PickleResult) -> None:
    """After the stack model stopped: scan the rest of the stream for imports."""
    if res.stream_error is not None:
        return
    reader.buf_end = None  # the import scan reads the bytes in order (the other loaders' view)
    try:
        # the import scan keeps no stack: its bound is the file's time budget
        stopped = rescan_imports(reader, res, 8 * ctx.policy.limits.max_opcodes, ctx.budget)
    except (CorruptStream, BombError) as exc:
        res.stream_error = exc
        return
    except (OSError, ValueError) as exc:
        stopped = f"the rest could not be read ({exc})"
    if stopped and res.limit is None:
        res.limit = f"import scan after the error stopped: {stopped}"


def scan_pickle(ctx: Ctx, reader: Reader, *, guess: bool = False) -> bool:
    """Scan every pickle in the stream; returns False when ``guess`` and it is no pickle."""
    from trojanscope.scan.engine import scan_bytes

    index = 0
    first: PickleResult | None = None
    walked = 0  # opcodes (and pickles, by their weight) since the clock was last read
    while True:
        # short pickles back to back never reach the walker's own check: look at the clock
        # here, about as often as the walker does, not once per pickle
        if walked >= CHECK_EVERY:
            walked = 0
            ctx.check_time()
        start = reader.pos
        res = walk_one(ctx, reader)
        walked += res.opcodes % CHECK_EVERY + PICKLE_WEIGHT
        if index == 0:
            if guess and not _plausible(res):
                return False
            first = res
        elif not res.complete and not _plausible(res) and res.limit is None:
            if not (first and first.value == TORCH_LEGACY_MAGIC):
                ctx.add("TS181", f"{reader.pos - start}+ bytes after the last complete pickle "
                        "are not a pickle", offset=start)
            break
        if not res.complete:
            _rescan(ctx, reader, res)
        _report(ctx, res, index, start)
        if res.stream_error is not None:
            raise res.stream_error
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
        if not res.complete:
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
    if res.limit is not None:
        ctx.add("TS182", f"pickle #{index} was not fully analysed: {res.limit} at offset "
                f"{res.error_offset}; the rest of the stream was only scanned for imports",
                offset=res.error_offset, position=res.opcodes, limit=res.limit,
                pickle_index=index, pickle_start=start)
    if res.error is not None:
        ctx.add("TS180", f"pickle #{index} is malformed at offset {res.error_offset}: "
                f"{res.error} (CPython's unpickler stops there too, after running what came "
                "before; the rest of the stream was scanned for imports)",
                offset=res.error_offset, position=res.opcodes, error=res.error,
                pickle_index=index, pickle_start=start)


__all__ = ["Truncated", "scan_pickle", "walk_one"]
