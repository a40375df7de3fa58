"""Differential fuzzing against CPython's unpickler: random opcode streams and mutations of real
pickles are loaded in a subprocess by ``pickle.Unpickler`` whose ``find_class`` only records the
name and returns a harmless stub (nothing is ever imported); every import CPython resolved —
also before a later error, since that code has run by then — must be in the scanner's report."""

from __future__ import annotations

import collections
import json
import os
import pickle
import re
import subprocess
import sys

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trojanscope.scan.context import Ctx
from trojanscope.scan.engine import scan_bytes
from trojanscope.scan.rules import load_policy
from trojanscope.testing.scan_corpus import Gadget

POLICY = load_policy()
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")

# Runs in the subprocess: load each stream, record what find_class was asked for.
_RECORDER = r"""
import io, json, pickle, resource, sys
sys.setrecursionlimit(2000)
# a length field read from random bytes (BYTEARRAY8 allocates before it reads) must fail fast
# with MemoryError, caught below, not fill the machine's memory
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

class Stub:
    def __init__(self, *a, **k): pass
    def __call__(self, *a, **k): return Stub()
    def __setstate__(self, state): pass
    def __reduce__(self): return (Stub, ())
    def append(self, x): pass
    def extend(self, x): pass
    def __setitem__(self, k, v): pass

out = []
for hexdata in json.load(sys.stdin):
    seen = []
    class Recorder(pickle.Unpickler):
        def find_class(self, module, name):
            seen.append([module, name])
            return Stub
        def persistent_load(self, pid):
            return None
    data = bytes.fromhex(hexdata)
    stream = io.BytesIO(data)
    complete = False
    while True:  # several pickles back to back, as loaders of legacy files read them
        try:
            Recorder(stream).load()
            complete = True
        except BaseException:
            break
        if stream.tell() >= len(data):
            break
    out.append([seen, complete])
json.dump(out, sys.stdout)
"""

NAMES = ["os", "system", "builtins", "eval", "sklearn", "os.system", "collections",
         "OrderedDict", "torch._utils", "_rebuild_tensor_v2", "subprocess", "Popen", "a b",
         "posix", "inspect.os.system", "numpy", "dtype"]


def _line_string(s: str) -> bytes:
    return s.encode() + b"\n"


@st.composite
def opcode(draw) -> bytes:
    name = draw(st.sampled_from(NAMES))
    other = draw(st.sampled_from(NAMES))
    key = draw(st.integers(0, 4))
    return draw(st.sampled_from([
        b"c" + _line_string(name) + _line_string(other),
        b"i" + _line_string(name) + _line_string(other),
        b"\x8c" + bytes([len(name)]) + name.encode(),
        b"X" + len(name).to_bytes(4, "little") + name.encode(),
        b"V" + _line_string(name),
        b"S'" + name.encode() + b"'\n",
        b"U" + bytes([len(name)]) + name.encode(),
        b"\x93", b"\x94", b"q" + bytes([key]), b"h" + bytes([key]), b"p" + str(key).encode()
        + b"\n", b"g" + str(key).encode() + b"\n", b"(", b")", b"t", b"\x85", b"\x86", b"\x87",
        b"]", b"}", b"a", b"e", b"s", b"u", b"R", b"\x81", b"b", b"0", b"2", b"1", b"N",
        b"\x88", b"I0x1\n", b"I010\n", b"L12L\n", b"K\x05", b"\x80\x04", b"o", b".",
        bytes([draw(st.integers(0, 255))]),
    ]))


def _seeds() -> list[bytes]:
    import os as _os

    return [pickle.dumps(Gadget(_os.system, ("true",)), protocol=p) for p in range(6)] + [
        pickle.dumps(collections.OrderedDict(a=[1, 2], b={"c": (3,)}), protocol=p)
        for p in range(6)]


@st.composite
def mutated(draw) -> bytes:
    buf = bytearray(draw(st.sampled_from(_seeds())))
    for _ in range(draw(st.integers(1, 4))):
        pos = draw(st.integers(0, max(len(buf) - 1, 0)))
        op = draw(st.sampled_from(["flip", "cut", "insert"]))
        if op == "flip" and buf:
            buf[pos] = draw(st.integers(0, 255))
        elif op == "cut":
            del buf[pos:pos + draw(st.integers(1, 8))]
        else:
            buf[pos:pos] = draw(opcode())
    return bytes(buf)


STREAMS = st.one_of(st.lists(opcode(), min_size=1, max_size=24).map(b"".join), mutated())


def cpython_imports(streams: list[bytes]) -> list[tuple[list[list[str]], bool]]:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-c", _RECORDER], input=json.dumps(
        [s.hex() for s in streams]), capture_output=True, text=True, timeout=120, env=env,
        check=True)
    return json.loads(proc.stdout)


def scanner_imports(data: bytes) -> set[tuple[str, str]]:
    ctx = Ctx(POLICY, "f.pkl")
    scan_bytes(ctx, data, "f.pkl")
    found = set()
    for f in ctx.findings:
        if "global" in f.evidence:
            module, _, name = f.evidence["global"].partition(":")
            found.add((module, name))
    return found


@settings(max_examples=12, deadline=None, derandomize=True,  # the same streams in every CI run
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(STREAMS, min_size=40, max_size=40))
def test_scanner_reports_every_import_cpython_resolves(streams):
    results = cpython_imports(streams)
    for data, (seen, _complete) in zip(streams, results, strict=True):
        wanted = {(m, n) for m, n in seen if _IDENT.match(m) and _IDENT.match(n)}
        missing = wanted - scanner_imports(data)
        assert not missing, (data, missing)
