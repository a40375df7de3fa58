"""A static model of the pickle virtual machine: walks opcodes from a :class:`Reader` one by
one (never loading the stream whole), keeps a symbolic stack and memo, and records every import,
call, nested payload and anomaly. Nothing is ever imported or called."""

from __future__ import annotations

import codecs
import pickletools
import re
import struct
from dataclasses import dataclass, field
from typing import Any

from trojanscope.scan.budget import CHECK_MASK, Budget
from trojanscope.scan.static_eval import (
    NotStatic,
    canonical,
    evaluate,
    resolve_getter,
    resolve_import,
)
from trojanscope.scan.stream import Reader
from trojanscope.scan.values import (
    BytesRef,
    Call,
    Global,
    PDict,
    Persistent,
    PList,
    Unknown,
    preview,
)

_OPS: dict[int, tuple[str, str | None]] = {
    ord(op.code.encode("latin-1")): (op.name, op.arg.name if op.arg else None)
    for op in pickletools.opcodes
}
JOBLIB_WRAPPERS = {"joblib.numpy_pickle.NumpyArrayWrapper",
                   "sklearn.externals.joblib.numpy_pickle.NumpyArrayWrapper"}


class PickleError(ValueError):
    """The stream is not a valid pickle at this point (CPython's unpickler stops here too)."""


class AnalysisLimit(Exception):
    """A time, memory or opcode limit stopped the walk before the pickle ended."""


class _Mark:
    __slots__ = ()


MARK = _Mark()


@dataclass
class ImportRecord:
    """One imported name: where it first appeared, how often, what it was called with."""

    module: str
    name: str
    offset: int
    position: int
    how: str
    count: int = 0
    calls: list[str] = field(default_factory=list)

    @property
    def full(self) -> str:
        return f"{self.module}.{self.name}" if self.name else self.module


@dataclass
class Anomaly:
    rule: str
    message: str
    offset: int
    position: int
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass
class Nested:
    """A payload passed to a deserializer (``pickle.loads(b'...')``) to scan recursively."""

    data: bytes | BytesRef
    via: str
    offset: int


@dataclass
class WalkLimits:
    max_opcodes: int = 20_000_000
    max_bytes_kept: int = 16 << 20  # one bytes value kept in memory at most
    max_total_kept: int = 64 << 20  # all kept bytes of one stream
    max_memo: int = 2_000_000  # memo entries at most (then the analysis limit is reached)
    rich_memo: int = 500_000  # past this many entries, plain data is memoized as a placeholder
    max_stack: int = 1_000_000  # values on the stack and under MARKs at most
    max_items: int = 1_000_000  # container items kept for evidence, all containers together
    max_line: int = 1 << 16  # bytes of a text line kept (longer lines are read and dropped)
    budget: Budget | None = None  # the file's time budget (CPU time, a wall-clock backstop)


@dataclass
class PickleResult:
    """What one walk over one pickle found."""

    protocol: int | None = None
    opcodes: int = 0
    complete: bool = False  # reached STOP
    error: str | None = None
    error_offset: int | None = None
    imports: dict[tuple[str, str], ImportRecord] = field(default_factory=dict)
    anomalies: list[Anomaly] = field(default_factory=list)
    nested: list[Nested] = field(default_factory=list)
    value: Any = None  # the value STOP returned
    joblib_arrays: int = 0
    limit: str | None = None  # the analysis limit that stopped the walk
    stream_error: Exception | None = None  # the compressed stream underneath broke


def _loader_of(full: str, loaders: frozenset[str]) -> str | None:
    """The deserializer ``full`` reaches, also through module attributes
    (``scipy.sparse._base.np.lib._format_impl.pickle.loads`` is ``pickle.loads``)."""
    parts = full.split(".")
    longest = max((name.count(".") + 1 for name in loaders), default=0)
    for i in range(max(len(parts) - longest, 0), len(parts)):  # only suffixes that long
        candidate = ".".join(parts[i:])
        if candidate in loaders:
            return candidate
    return None


def _decode_quoted(line: bytes) -> str:
    """The STRING opcode's argument: a repr-quoted byte string."""
    text = line.rstrip(b"\r\n")
    if len(text) >= 2 and text[:1] == text[-1:] and text[:1] in (b"'", b'"'):
        raw = codecs.escape_decode(text[1:-1])[0]
        return raw.decode("latin-1")
    raise PickleError("STRING argument is not quoted")


class PickleMachine:
    """Walk one pickle (up to STOP) and collect a :class:`PickleResult`.

    ``overrides`` maps an imported object's full name to attributes a BUILD replaced, so a
    later import of that attribute resolves to the replacement (the sys.modules/BUILD trick).
    """

    def __init__(self, reader: Reader, limits: WalkLimits | None = None,
                 nested_loaders: frozenset[str] = frozenset(), result: PickleResult | None = None,
                 overrides: dict[str, dict[str, Any]] | None = None) -> None:
        self.r = reader
        self.limits = limits or WalkLimits()
        self.loaders = nested_loaders
        self.res = result or PickleResult()
        self.overrides = overrides if overrides is not None else {}
        self.stack: list[Any] = []
        self.metastack: list[list[Any]] = []
        self.memo: dict[int, Any] = {}
        self.kept = 0
        self.op_offset = 0
        self.parked = 0  # values held in the frames under MARKs
        self.items = 0  # container items kept

    # -- helpers -------------------------------------------------------------------------
    def push(self, value: Any) -> None:
        self.stack.append(value)

    def _pop(self) -> Any:
        if not self.stack:
            raise PickleError("stack underflow")
        v = self.stack.pop()
        if v is MARK:
            raise PickleError("unexpected MARK on the stack")
        return v

    def _pop_mark(self) -> list[Any]:
        if not self.metastack:
            raise PickleError("no MARK to pop to")
        items = self.stack
        self.stack = self.metastack.pop()
        self.parked -= len(self.stack)
        return items

    def keep(self) -> bool:
        """May one more container item be kept (a budget for all containers together)?"""
        self.items += 1
        return self.items <= self.limits.max_items

    def _check_limits(self) -> None:
        lim = self.limits
        if lim.budget is not None:
            lim.budget.check()
        if self.parked + len(self.stack) + len(self.metastack) > lim.max_stack:
            raise AnalysisLimit(f"more than {lim.max_stack} values on the stack")

    def _top(self) -> Any:
        if not self.stack:
            raise PickleError("stack underflow")
        return self.stack[-1]

    def _anomaly(self, rule: str, message: str, **evidence: Any) -> None:
        if len(self.res.anomalies) < 200:
            self.res.anomalies.append(
                Anomaly(rule, message, self.op_offset, self.res.opcodes, evidence))

    def _bytes(self, n: int) -> bytes | BytesRef:
        if n < 0:
            raise PickleError("negative length")
        if n <= self.limits.max_bytes_kept and self.kept + n <= self.limits.max_total_kept:
            self.kept += n
            return self.r.read_exact(n)
        at = self.r.pos
        self.r.skip(n)
        return BytesRef(at, n)

    def _text(self, n: int) -> str | BytesRef:
        data = self._bytes(n)
        if isinstance(data, BytesRef):
            return data
        try:
            return data.decode("utf-8", "surrogatepass")
        except UnicodeDecodeError as exc:
            raise PickleError(f"invalid UTF-8 in a string: {exc.reason}") from None

    def _line(self) -> bytes | None:
        """A text opcode's line with its ``\\n``; None when it is longer than kept."""
        line, total = self.r.readline_capped(self.limits.max_line)
        return line if total == len(line) else None

    def _name_line(self) -> str:
        line, total = self.r.readline_capped(self.limits.max_line)
        if total > len(line):  # the unpickler reads it all: a dotted walk may go on past it
            self._anomaly("TS182", f"import name of {total:,} bytes: only its first "
                          f"{len(line):,} were judged", length=total)
        raw = line.rstrip(b"\n")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise PickleError(f"import name is not valid text: {raw[:40]!r}") from None
        return text  # exactly what find_class gets ("os\r" is no module)

    # -- imports and calls -------------------------------------------------------------
    def _import(self, module: str, name: str, how: str) -> Any:
        key = (module, name)
        rec = self.res.imports.get(key)
        if rec is None:
            rec = ImportRecord(module, name, self.op_offset, self.res.opcodes, how)
            self.res.imports[key] = rec
        rec.count += 1
        replaced = self.overrides.get(module, {})
        if name in replaced:
            return replaced[name]
        return Global(module, name)

    def _call(self, func: Any, args: Any, opname: str) -> Any:
        if isinstance(func, Global):
            rec = self.res.imports.get((func.module, func.name))
            if rec is not None and len(rec.calls) < 3:
                rec.calls.append(f"{func.full}({preview(args, 200)[1:-1]})" if isinstance(
                    args, tuple) else f"{func.full}({preview(args, 200)})")
            full = canonical(func.full)
            loader = _loader_of(full, self.loaders)
            if loader and isinstance(args, tuple) and args:
                payload = args[0]
                if isinstance(payload, str):
                    payload = payload.encode("latin-1", "replace")
                if isinstance(payload, bytes | BytesRef):
                    self.res.nested.append(Nested(payload, loader, self.op_offset))
            target = resolve_import(func, args)
            if target is not None:
                return self._import(target.module, target.name, f"{full}()")
            try:
                return evaluate(func, args)
            except NotStatic:
                pass
        elif isinstance(func, Call):
            target = resolve_getter(func, args)
            if target is not None:
                return self._import(target.module, target.name, canonical(func.func.full))
        return Call(func, args)

    def _build(self, inst: Any, state: Any) -> None:
        if isinstance(inst, Global):
            attrs = state
            if isinstance(state, tuple) and len(state) == 2:
                attrs = state[1] if isinstance(state[1], PDict) else state[0]
            if isinstance(attrs, PDict):
                slot = self.overrides.setdefault(inst.full, {})
                for k, v in attrs.items:
                    if isinstance(k, str):
                        slot[k] = v
            self._anomaly("TS162", f"BUILD changes attributes of the imported object {inst.full}",
                          target=inst.full, state=preview(state))
            return
        if isinstance(inst, Call):
            inst.state = state
            if isinstance(inst.func, Global) and inst.func.full in JOBLIB_WRAPPERS:
                self._joblib_array(inst, state)

    def _joblib_array(self, wrapper: Call, state: Any) -> None:
        """joblib writes each array's bytes into the stream right after the wrapper's BUILD."""
        from trojanscope.scan.numpy_fmt import dtype_of_symbol

        if not isinstance(state, PDict):
            raise PickleError("joblib array wrapper without a state dict")
        shape, dtype = state.get("shape"), state.get("dtype")
        itemsize, has_object = dtype_of_symbol(dtype)
        self.res.joblib_arrays += 1
        if has_object:
            inner = PickleMachine(self.r, self.limits, self.loaders, self.res, self.overrides)
            inner.run()
            return
        if not (isinstance(shape, tuple) and all(isinstance(d, int) and d >= 0 for d in shape)):
            raise PickleError("joblib array wrapper with an unreadable shape")
        if itemsize is None:
            raise PickleError("joblib array wrapper with an unreadable dtype")
        count = 1
        for d in shape:
            count *= d
        if state.get("numpy_array_alignment_bytes") is not None:
            self.r.skip(self.r.read_byte())
        self.r.skip(count * itemsize)

    # -- the walk ------------------------------------------------------------------------
    def run(self) -> PickleResult:
        """Walk to STOP. Raises PickleError/Truncated/ValueError on malformed input; what was
        found before stays in ``self.res``."""
        r, res = self.r, self.res
        limit = self.limits.max_opcodes
        while True:
            self.op_offset = r.pos
            code = r.read_byte()
            op = _OPS.get(code)
            if op is None:
                raise PickleError(f"invalid opcode 0x{code:02x}")
            res.opcodes += 1
            if not res.opcodes & CHECK_MASK:
                self._check_limits()
            if res.opcodes > limit:
                raise AnalysisLimit(f"opcode limit ({limit}) reached")
            name = op[0]
            if name == "STOP":
                res.value = self._pop() if self.stack else None
                res.complete = True
                return res
            handler = _HANDLERS.get(name)
            if handler is None:  # pragma: no cover - every opcode has a handler
                raise PickleError(f"unsupported opcode {name}")
            handler(self)

    # Opcode handlers are defined below and collected in _HANDLERS.


def _h(*names: str):  # type: ignore[no-untyped-def]
    def deco(fn):  # type: ignore[no-untyped-def]
        for n in names:
            _HANDLERS[n] = fn
        return fn
    return deco


_HANDLERS: dict[str, Any] = {}
_u = struct.unpack


@_h("PROTO")
def _proto(m: PickleMachine) -> None:
    p = m.r.read_byte()
    m.res.protocol = p if m.res.protocol is None else m.res.protocol
    if p > 5:
        raise PickleError(f"unsupported pickle protocol {p}")


@_h("FRAME")
def _frame(m: PickleMachine) -> None:
    m.r.enter_frame(_u("<Q", m.r.read_exact(8))[0])


@_h("MARK")
def _mark(m: PickleMachine) -> None:
    m.metastack.append(m.stack)
    m.parked += len(m.stack)
    m.stack = []


@_h("POP")
def _pop_op(m: PickleMachine) -> None:
    if m.stack:
        m.stack.pop()
    else:
        m._pop_mark()


@_h("POP_MARK")
def _pop_mark(m: PickleMachine) -> None:
    m._pop_mark()


@_h("DUP")
def _dup(m: PickleMachine) -> None:
    m.push(m._top())


@_h("NONE")
def _none(m: PickleMachine) -> None:
    m.push(None)


@_h("NEWTRUE")
def _true(m: PickleMachine) -> None:
    m.push(True)


@_h("NEWFALSE")
def _false(m: PickleMachine) -> None:
    m.push(False)


# strtol(s, &end, 0) as CPython's INT opcode calls it: whitespace, sign, 0x-hex, 0-octal, decimal
_STRTOL = re.compile(rb"[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)")
_C_LONG = 1 << 63


def _c_string(line: bytes) -> bytes:
    """The line as the C string the unpickler hands to its number parsers (ends at a NUL)."""
    return line.split(b"\0", 1)[0]


def _pylong(text: bytes) -> int:
    """PyLong_FromString(text, NULL, 0): Python's int(text, 0), surrounding whitespace allowed."""
    try:
        return int(text.decode("ascii"), 0)
    except (ValueError, UnicodeDecodeError):
        raise PickleError("could not convert string to int") from None


def parse_int_line(line: bytes) -> int | bool:
    """The value of an INT opcode's line, exactly as CPython's C unpickler computes it."""
    text = _c_string(line)
    m = _STRTOL.match(text)
    if m is not None:
        digits = m.group(2)
        base = 16 if digits[:2] in (b"0x", b"0X") else 8 if digits[:1] == b"0" else 10
        value = int(digits[2:] if base == 16 else digits, base)
        value = -value if m.group(1) == b"-" else value
        rest = text[m.end():]
        if -_C_LONG <= value < _C_LONG and rest in (b"", b"\n"):
            if len(line) == 3 and value in (0, 1):
                return bool(value)
            return value
    return _pylong(text)


def parse_long_line(line: bytes) -> int:
    """The value of a LONG opcode's line: one trailing ``L`` dropped, then base 0."""
    if len(line) >= 2 and line[-2:-1] == b"L":
        line = line[:-2]
    return _pylong(_c_string(line))


def _number_handler(what: str, parse: Any) -> Any:
    def handler(m: PickleMachine) -> None:
        line = m._line()
        if line is None:
            m.push(Unknown("very long integer"))
            return
        if len(line) < 2:
            raise PickleError(f"{what} argument is empty")
        m.push(parse(line))
    return handler


_HANDLERS["INT"] = _number_handler("INT", parse_int_line)
_HANDLERS["LONG"] = _number_handler("LONG", parse_long_line)


@_h("BININT")
def _binint(m: PickleMachine) -> None:
    m.push(_u("<i", m.r.read_exact(4))[0])


@_h("BININT1")
def _binint1(m: PickleMachine) -> None:
    m.push(m.r.read_byte())


@_h("BININT2")
def _binint2(m: PickleMachine) -> None:
    m.push(_u("<H", m.r.read_exact(2))[0])


@_h("LONG1")
def _long1(m: PickleMachine) -> None:
    n = m.r.read_byte()
    m.push(int.from_bytes(m.r.read_exact(n), "little", signed=True))


@_h("LONG4")
def _long4(m: PickleMachine) -> None:
    n = _u("<i", m.r.read_exact(4))[0]
    if n < 0:
        raise PickleError("LONG4 with a negative length")
    if n > 4096:
        m.r.skip(n)
        m.push(Unknown(f"{n}-byte integer"))
    else:
        m.push(int.from_bytes(m.r.read_exact(n), "little", signed=True))


@_h("FLOAT")
def _float(m: PickleMachine) -> None:
    line = m._line()
    if line is None:
        m.push(Unknown("very long float"))
        return
    try:
        m.push(float(_c_string(line)))
    except ValueError:
        raise PickleError("FLOAT argument is not a number") from None


@_h("BINFLOAT")
def _binfloat(m: PickleMachine) -> None:
    m.push(_u(">d", m.r.read_exact(8))[0])


@_h("STRING")
def _string(m: PickleMachine) -> None:
    line = m._line()
    m.push(Unknown("very long string") if line is None else _decode_quoted(line))


def _latin(data: bytes | BytesRef) -> str | BytesRef:
    return data if isinstance(data, BytesRef) else data.decode("latin-1")


@_h("BINSTRING")
def _binstring(m: PickleMachine) -> None:
    n = _u("<i", m.r.read_exact(4))[0]
    m.push(_latin(m._bytes(n)))


@_h("SHORT_BINSTRING")
def _short_binstring(m: PickleMachine) -> None:
    m.push(_latin(m._bytes(m.r.read_byte())))


@_h("BINBYTES")
def _binbytes(m: PickleMachine) -> None:
    m.push(m._bytes(_u("<I", m.r.read_exact(4))[0]))


@_h("SHORT_BINBYTES")
def _short_binbytes(m: PickleMachine) -> None:
    m.push(m._bytes(m.r.read_byte()))


@_h("BINBYTES8", "BYTEARRAY8")
def _binbytes8(m: PickleMachine) -> None:
    m.push(m._bytes(_u("<Q", m.r.read_exact(8))[0]))


@_h("UNICODE")
def _unicode(m: PickleMachine) -> None:
    line = m._line()
    if line is None:
        m.push(Unknown("very long string"))
        return
    raw = line[:-1]
    try:
        m.push(raw.decode("raw-unicode-escape"))
    except UnicodeDecodeError:
        raise PickleError("UNICODE argument is not valid raw-unicode-escape") from None


@_h("SHORT_BINUNICODE")
def _short_binunicode(m: PickleMachine) -> None:
    m.push(m._text(m.r.read_byte()))


@_h("BINUNICODE")
def _binunicode(m: PickleMachine) -> None:
    m.push(m._text(_u("<I", m.r.read_exact(4))[0]))


@_h("BINUNICODE8")
def _binunicode8(m: PickleMachine) -> None:
    m.push(m._text(_u("<Q", m.r.read_exact(8))[0]))


@_h("NEXT_BUFFER")
def _next_buffer(m: PickleMachine) -> None:
    m.push(Unknown("out-of-band buffer"))


@_h("READONLY_BUFFER")
def _readonly_buffer(m: PickleMachine) -> None:
    m._top()


@_h("EMPTY_TUPLE")
def _empty_tuple(m: PickleMachine) -> None:
    m.push(())


@_h("TUPLE")
def _tuple(m: PickleMachine) -> None:
    m.push(tuple(m._pop_mark()))


@_h("TUPLE1")
def _tuple1(m: PickleMachine) -> None:
    m.push((m._pop(),))


@_h("TUPLE2")
def _tuple2(m: PickleMachine) -> None:
    b = m._pop()
    m.push((m._pop(), b))


@_h("TUPLE3")
def _tuple3(m: PickleMachine) -> None:
    c = m._pop()
    b = m._pop()
    m.push((m._pop(), b, c))


@_h("EMPTY_LIST")
def _empty_list(m: PickleMachine) -> None:
    m.push(PList())


@_h("EMPTY_SET")
def _empty_set(m: PickleMachine) -> None:
    m.push(PList())


def _plist(m: PickleMachine, items: list[Any]) -> PList:
    out = PList()
    for item in items:
        out.add(item, m.keep())
    return out


@_h("LIST", "FROZENSET")
def _list(m: PickleMachine) -> None:
    m.push(_plist(m, m._pop_mark()))


@_h("EMPTY_DICT")
def _empty_dict(m: PickleMachine) -> None:
    m.push(PDict())


@_h("DICT")
def _dict(m: PickleMachine) -> None:
    items = m._pop_mark()
    d = PDict()
    for i in range(0, len(items) - 1, 2):
        d.add(items[i], items[i + 1], m.keep())
    m.push(d)


@_h("APPEND")
def _append(m: PickleMachine) -> None:
    v = m._pop()
    top = m._top()
    if isinstance(top, PList):
        top.add(v, m.keep())


@_h("APPENDS", "ADDITEMS")
def _appends(m: PickleMachine) -> None:
    items = m._pop_mark()
    top = m._top()
    if isinstance(top, PList):
        for item in items:
            top.add(item, m.keep())


@_h("SETITEM")
def _setitem(m: PickleMachine) -> None:
    v = m._pop()
    k = m._pop()
    top = m._top()
    if isinstance(top, PDict):
        top.add(k, v, m.keep())


@_h("SETITEMS")
def _setitems(m: PickleMachine) -> None:
    items = m._pop_mark()
    top = m._top()
    if isinstance(top, PDict):
        for i in range(0, len(items) - 1, 2):
            top.add(items[i], items[i + 1], m.keep())


def _line_int(m: PickleMachine, what: str) -> int:
    raw = m._line()
    if raw is None:
        raise PickleError(f"{what} argument is too long")
    try:
        return int(_c_string(raw))
    except ValueError:
        raise PickleError(f"{what} argument is not a number") from None


def _memo_get(m: PickleMachine, idx: int) -> None:
    if idx in m.memo:
        m.push(m.memo[idx])
    else:
        m._anomaly("TS163", f"memo key {idx} read before it was stored", key=idx)
        m.push(Unknown(f"missing memo key {idx}"))


_PLAIN = (int, float, bytes, BytesRef, type(None))
_PLACEHOLDER = Unknown("memoized late in a very large pickle")


def _memo_put(m: PickleMachine, idx: int) -> None:
    if idx < 0:
        raise PickleError("negative memo key")
    value = m._top()
    size = len(m.memo)
    if size >= m.limits.rich_memo and isinstance(value, _PLAIN):
        value = _PLACEHOLDER  # plain data cannot name an import or a call
    if size >= m.limits.max_memo and idx not in m.memo:
        raise AnalysisLimit(f"more than {m.limits.max_memo} memo entries")
    m.memo[idx] = value


@_h("GET")
def _get(m: PickleMachine) -> None:
    _memo_get(m, _line_int(m, "GET"))


@_h("BINGET")
def _binget(m: PickleMachine) -> None:
    _memo_get(m, m.r.read_byte())


@_h("LONG_BINGET")
def _long_binget(m: PickleMachine) -> None:
    _memo_get(m, _u("<I", m.r.read_exact(4))[0])


@_h("PUT")
def _put(m: PickleMachine) -> None:
    _memo_put(m, _line_int(m, "PUT"))


@_h("BINPUT")
def _binput(m: PickleMachine) -> None:
    _memo_put(m, m.r.read_byte())


@_h("LONG_BINPUT")
def _long_binput(m: PickleMachine) -> None:
    _memo_put(m, _u("<I", m.r.read_exact(4))[0])


@_h("MEMOIZE")
def _memoize(m: PickleMachine) -> None:
    _memo_put(m, len(m.memo))


@_h("GLOBAL")
def _global(m: PickleMachine) -> None:
    module = m._name_line()
    name = m._name_line()
    m.push(m._import(module, name, "GLOBAL"))


@_h("STACK_GLOBAL")
def _stack_global(m: PickleMachine) -> None:
    name = m._pop()
    module = m._pop()
    if isinstance(module, str) and isinstance(name, str):
        m.push(m._import(module, name, "STACK_GLOBAL"))
        return
    m._anomaly("TS160", "STACK_GLOBAL with operands that are not plain strings: the import "
               "cannot be resolved statically", module=preview(module), name=preview(name))
    m.push(Unknown("dynamic import"))


@_h("INST")
def _inst(m: PickleMachine) -> None:
    if not m.metastack:  # CPython looks for the MARK before it reads the names
        raise PickleError("INST without a MARK")
    module = m._name_line()
    name = m._name_line()
    cls = m._import(module, name, "INST")
    args = tuple(m._pop_mark())
    m.push(m._call(cls, args, "INST"))


@_h("OBJ")
def _obj(m: PickleMachine) -> None:
    items = m._pop_mark()
    if not items:
        raise PickleError("OBJ without a class")
    m.push(m._call(items[0], tuple(items[1:]), "OBJ"))


@_h("NEWOBJ")
def _newobj(m: PickleMachine) -> None:
    args = m._pop()
    cls = m._pop()
    m.push(m._call(cls, args, "NEWOBJ"))


@_h("NEWOBJ_EX")
def _newobj_ex(m: PickleMachine) -> None:
    kwargs = m._pop()
    args = m._pop()
    cls = m._pop()
    m.push(m._call(cls, args if kwargs is None else (args, kwargs), "NEWOBJ_EX"))


@_h("REDUCE")
def _reduce(m: PickleMachine) -> None:
    args = m._pop()
    func = m._pop()
    m.push(m._call(func, args, "REDUCE"))


@_h("BUILD")
def _build(m: PickleMachine) -> None:
    state = m._pop()
    m._build(m._top(), state)


def _ext_handler(width: int) -> Any:
    def handler(m: PickleMachine) -> None:
        code = int.from_bytes(m.r.read_exact(width), "little")
        m._anomaly("TS161", f"import through the copyreg extension registry (code {code}) "
                   "cannot be resolved statically", code=code)
        m.push(Unknown(f"extension code {code}"))
    return handler


_HANDLERS["EXT1"], _HANDLERS["EXT2"], _HANDLERS["EXT4"] = (
    _ext_handler(1), _ext_handler(2), _ext_handler(4))


@_h("PERSID")
def _persid(m: PickleMachine) -> None:
    line = m._line()
    m.push(Persistent(Unknown("very long id") if line is None else line[:-1].decode("latin-1")))


@_h("BINPERSID")
def _binpersid(m: PickleMachine) -> None:
    m.push(Persistent(m._pop()))
