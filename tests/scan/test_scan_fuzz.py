"""Property tests: random and mutated bytes through every parser never raise and never hang."""

from __future__ import annotations

import pickle

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trojanscope.scan.context import Ctx
from trojanscope.scan.engine import scan_bytes
from trojanscope.scan.rules import load_policy
from trojanscope.testing.scan_corpus import Gadget, safetensors_bad, zip_bytes

POLICY = load_policy()
SEEDS = [
    pickle.dumps(Gadget(eval, ("1",)), protocol=p) for p in range(6)
] + [
    zip_bytes({"archive/data.pkl": pickle.dumps({"a": 1}), "archive/version": b"3\n"}),
    safetensors_bad("overlap"),
    b"\x93NUMPY\x01\x00v\x00{'descr': '|O', 'fortran_order': False, 'shape': (1,), }" + b" " * 50
    + b"\n" + pickle.dumps(["x"]),
    __import__("gzip").compress(pickle.dumps([1, 2, 3])),
    b"\x1f\x8b\x08\x00", b"PK\x03\x04", b"7z\xbc\xaf\x27\x1c" + b"\0" * 26,
    b"\x89HDF\r\n\x1a\n" + b"\0" * 40, b"\x08\x07\x12\x04test",
]
MAGICS = [b"\x80\x04", b"PK\x03\x04", b"\x93NUMPY", b"\x1f\x8b", b"BZh9", b"\xfd7zXZ\x00",
          b"7z\xbc\xaf\x27\x1c", b"\x89HDF\r\n\x1a\n", b"\x08\x07\x12", b"\x10\0\0\0\0\0\0\0{",
          b"x\x9c", b"\x5d\x00\x00", b"c", b"("]


def check(data: bytes) -> None:
    ctx = Ctx(POLICY, "fuzz")
    scan_bytes(ctx, data, "fuzz")  # time is bounded by the scanner's own limit (TS182), and
    # measured by benchmarks/bench_scan_hardening.py worst-case, not by a wall clock here
    errors = [f.message for f in ctx.findings if f.rule_id == "TS999"]
    assert errors == []


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(MAGICS), st.binary(max_size=512))
def test_magic_prefixed_random_bytes(magic, tail):
    check(magic + tail)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SEEDS), st.data())
def test_mutated_valid_files(seed, data):
    buf = bytearray(seed)
    for _ in range(data.draw(st.integers(1, 8))):
        op = data.draw(st.sampled_from(["flip", "cut", "insert"]))
        pos = data.draw(st.integers(0, max(len(buf) - 1, 0)))
        if op == "flip" and buf:
            buf[pos] = data.draw(st.integers(0, 255))
        elif op == "cut":
            del buf[pos:pos + data.draw(st.integers(1, 16))]
        else:
            buf[pos:pos] = data.draw(st.binary(min_size=1, max_size=8))
    check(bytes(buf))


def test_zip_member_with_an_empty_name_is_not_a_scanner_error():
    """A fuzz-found archive: a central-directory entry whose name a mutation left empty."""
    good = zip_bytes({"archive/data.pkl": pickle.dumps({"a": 1}), "archive/version": b"3\n"})
    start = good.index(b"PK\x01\x02")
    name_len_at = start + 28
    name_len = int.from_bytes(good[name_len_at:name_len_at + 2], "little")
    name_at = start + 46
    bad = (good[:name_len_at] + b"\0\0" + good[name_len_at + 2:name_at]
           + good[name_at + name_len:])
    cd_at = int.from_bytes(bad[-6:-2], "little")
    cd_size = int.from_bytes(bad[-10:-6], "little") - name_len
    bad = bad[:-10] + cd_size.to_bytes(4, "little") + cd_at.to_bytes(4, "little") + bad[-2:]
    check(bad)
