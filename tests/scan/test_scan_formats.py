"""Containers and formats: zip/tar/compressed limits, safetensors, depth, walking folders."""

from __future__ import annotations

import gzip
import io
import lzma
import os
import pickle
import struct
import zipfile
import zlib

import pytest

from trojanscope.errors import UserInputError
from trojanscope.report import Severity
from trojanscope.scan import load_policy, scan_paths
from trojanscope.scan.context import Ctx
from trojanscope.scan.engine import scan_bytes
from trojanscope.testing.scan_corpus import Gadget, safetensors_bad, zip_bytes

EVIL = pickle.dumps(Gadget(eval, ("1",)))


def rules_of(data: bytes, policy=None, name: str = "f") -> dict[str, Severity]:
    ctx = Ctx(policy or load_policy(), name)
    scan_bytes(ctx, data, name)
    out: dict[str, Severity] = {}
    for f in ctx.findings:
        out[f.rule_id] = max(out.get(f.rule_id, Severity.INFO), f.severity)
    return out


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_LZMA])
def test_zip_bomb_is_reported_without_decompressing(method):
    policy = load_policy()
    policy.limits.min_bomb_size = 1 << 20
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        zf.writestr("zeros.bin", b"\0" * (8 << 20))
    assert rules_of(buf.getvalue(), policy)["TS201"] == Severity.HIGH


@pytest.mark.parametrize("method", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2,
                                    zipfile.ZIP_LZMA])
def test_pickle_inside_every_zip_method_is_read(method):
    """Each compression method zip allows is decompressed and its pickle walked (LZMA members
    once gave a scanner error and hid the payload)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        zf.writestr("archive/data.pkl", EVIL)
    found = rules_of(buf.getvalue(), name="m.pt")
    assert "TS999" not in found
    assert found["TS101"] >= Severity.HIGH


# raw LZMA1 of b"cbuiltins\neval\n(S'1'\ntR." (a pickle calling eval) WITHOUT an end marker
# (5 property bytes, then the data), made once with liblzma's LZMA1EXT encoder and the size known
_NO_EOS_PROPS_AND_DATA = bytes.fromhex(
    "5d000080000031988b113ddf50007604ad0560470549ce4ba2e19dc1fb7b9e71197680")
_NO_EOS_PAYLOAD = b"cbuiltins\neval\n(S'1'\ntR."


def _lzma_zip_by_hand(name: str, member: bytes, size: int, flags: int) -> bytes:
    """One method-14 member with the given flags (bit 1 clear: no end marker, as zip allows)."""
    nb = name.encode()
    crc = zlib.crc32(_NO_EOS_PAYLOAD)
    local = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 63, flags, 14, 0, 0, crc, len(member),
                        size, len(nb), 0) + nb + member
    cd = struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 63, 63, flags, 14, 0, 0, crc,
                     len(member), size, len(nb), 0, 0, 0, 0, 0, 0) + nb
    return local + cd + struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 1, 1, len(cd),
                                    len(local), 0)


@pytest.mark.parametrize("trailing", [b"", b"\x80" * 40])
def test_lzma_zip_member_without_end_marker_is_read(trailing):
    """zipfile ends a marker-less LZMA member after its declared size (so np.load reads it);
    the scanner once called it truncated and never walked the pickle."""
    props, data = _NO_EOS_PROPS_AND_DATA[:5], _NO_EOS_PROPS_AND_DATA[5:]
    d = lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=[
        lzma._decode_filter_properties(lzma.FILTER_LZMA1, props)])
    assert d.decompress(data) == _NO_EOS_PAYLOAD and not d.eof  # really no end marker
    member = b"\x09\x14\x05\x00" + props + data + trailing
    archive = _lzma_zip_by_hand("payload.pkl", member, len(_NO_EOS_PAYLOAD), flags=0)
    if not trailing:  # what a zipfile-based loader gets (zipfile chokes on the trailing bytes)
        with zipfile.ZipFile(io.BytesIO(archive)) as zf:
            assert zf.read("payload.pkl") == _NO_EOS_PAYLOAD
    found = rules_of(archive, name="m.zip")
    assert "TS203" not in found
    assert found["TS101"] >= Severity.HIGH


def test_lzma_zip_member_past_its_declared_size_is_still_read():
    """An end-marked LZMA member whose declared size is smaller than its data: the scanner
    reads on past the size (as before), so a lying size hides nothing from it."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_LZMA) as zf:
        zf.writestr("payload.pkl", EVIL)
    data = bytearray(buf.getvalue())
    for magic, at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):  # uncompressed size fields
        start = data.index(magic)
        data[start + at:start + at + 4] = (1).to_bytes(4, "little")
    assert rules_of(bytes(data), name="m.zip")["TS101"] >= Severity.HIGH


@pytest.mark.parametrize("name", ["payload/", "/"])
def test_a_directory_named_zip_member_with_content_is_scanned(name):
    """A member whose name ends in "/" is a directory by name only: zipfile still reads its
    bytes, and np.load(allow_pickle=True) unpickles such an .npz key; it was skipped unread."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(zipfile.ZipInfo(name), EVIL)
        zf.writestr("empty/", b"")
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zf:
        assert zf.getinfo(name).is_dir() and zf.read(name) == EVIL
    assert rules_of(buf.getvalue(), name="m.zip")["TS101"] >= Severity.HIGH



def test_gzip_bomb_stops_early():
    policy = load_policy()
    policy.limits.min_bomb_size = 1 << 20
    data = gzip.compress(b"\0" * (16 << 20))
    assert rules_of(data, policy)["TS201"] == Severity.HIGH


def test_depth_limit():
    policy = load_policy()
    policy.limits.max_depth = 2
    deep = EVIL
    for i in range(4):
        deep = zip_bytes({f"l{i}.zip" if i else "data.pkl": deep})
    assert rules_of(deep, policy).get("TS183") == Severity.HIGH
    shallow = zip_bytes({"data.pkl": EVIL})
    assert rules_of(shallow, policy)["TS101"] == Severity.CRITICAL


def test_zip_traversal_and_absolute_paths():
    assert rules_of(zip_bytes({"../x": b"a"}))["TS200"] == Severity.HIGH
    assert rules_of(zip_bytes({"/etc/x": b"a"}))["TS200"] == Severity.HIGH
    assert "TS200" not in rules_of(zip_bytes({"a/../b": b"a"}))


def test_safetensors_validation():
    assert rules_of(safetensors_bad("overlap"))["TS300"] == Severity.HIGH
    # a header length past the file is only a safetensors problem in a file named so
    assert rules_of(safetensors_bad("length"), name="m.safetensors")["TS300"] == Severity.HIGH
    assert rules_of(safetensors_bad("length")) == {}
    header = b'{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}'
    good = struct.pack("<Q", len(header)) + header + b"\0" * 8
    assert rules_of(good) == {}
    assert rules_of(good + b"extra")["TS300"] == Severity.HIGH
    for text in (b'12345678{"k": 1}\n', b'\x1f\x8b\x08\x00\x00\x00\x00\x00{"a": [1, 2]}'):
        assert "TS300" not in rules_of(text)  # byte 8 is "{" in many other files
    bad_dtype = header.replace(b"F32", b"X99")
    assert rules_of(struct.pack("<Q", len(bad_dtype)) + bad_dtype + b"\0" * 8)["TS300"]


def test_empty_and_truncated_inputs(tmp_path):
    (tmp_path / "empty.bin").write_bytes(b"")
    (tmp_path / "trunc.zip").write_bytes(zip_bytes({"data.pkl": EVIL})[:40])
    (tmp_path / "trunc.gz").write_bytes(gzip.compress(EVIL)[:20])
    report = scan_paths([tmp_path])
    assert not [f for f in report.findings if f.rule_id == "TS999"]
    assert {s.path.rsplit("/", 1)[1]: s.status for s in report.subjects}["empty.bin"] == "skipped"


def test_walk_handles_symlink_loops_fifos_and_unreadable(tmp_path, monkeypatch):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "loop").symlink_to(tmp_path)
    (tmp_path / "a" / "m.pkl").write_bytes(EVIL)
    (tmp_path / "dangling").symlink_to(tmp_path / "missing")
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "secret.pkl").write_bytes(EVIL)
    real_open = open

    def fake_open(path, *args, **kwargs):
        if str(path).endswith("secret.pkl"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr("builtins.open", fake_open)
    report = scan_paths([tmp_path])
    by_name = {s.path.rsplit("/", 1)[1]: s for s in report.subjects}
    assert by_name["m.pkl"].status == "scanned"
    assert by_name["fifo"].status == "skipped"
    assert by_name["secret.pkl"].status == "error"
    assert by_name["dangling"].status == "error"
    assert sum(1 for s in report.subjects if s.path.endswith("m.pkl")) == 1


def test_missing_path_is_a_user_error(tmp_path):
    with pytest.raises(UserInputError, match="no such file"):
        scan_paths([tmp_path / "nope"])


_BIG_DICTIONARY = '''
import io, lzma, pickle, struct, zipfile
from trojanscope.scan.context import Ctx
from trojanscope.scan.engine import scan_bytes
from trojanscope.scan.rules import load_policy
from trojanscope.testing.scan_corpus import Gadget
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_LZMA) as zf:
    zf.writestr("archive/data.pkl", pickle.dumps(Gadget(eval, ("1",))))
data = bytearray(buf.getvalue())
at = data.index(b"archive/data.pkl") + len(b"archive/data.pkl")
assert data[at + 2:at + 4] == b"\\x05\\x00"  # the LZMA1 properties: 5 bytes
data[at + 5:at + 9] = struct.pack("<I", 0xFFFFFFFF)  # claim a 4 GiB dictionary
ctx = Ctx(load_policy(), "t")
scan_bytes(ctx, bytes(data), "t.pt")
print(sorted({f.rule_id for f in ctx.findings}))
'''


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs an address-space limit (POSIX)")
def test_lzma_zip_member_claiming_a_huge_dictionary_is_still_read():
    """The properties may claim a 4 GiB dictionary; liblzma would allocate it up front, and under
    a memory limit the member went unread (TS182 hid the payload). It is capped at the member's
    declared size."""
    import resource
    import subprocess
    import sys

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))

    out = subprocess.run([sys.executable, "-c", _BIG_DICTIONARY], capture_output=True, text=True,
                         preexec_fn=limit, check=True, timeout=120)
    assert "TS101" in out.stdout and "TS182" not in out.stdout
