"""Inputs ``benchmarks/fuzz_scanner.py`` found (stop 40), rebuilt small: each malformed file gives a
finding that names what is wrong, never TS999 ("scanner error")."""

from __future__ import annotations

import io
import json
import os
import pickle
import struct

import pytest

from trojanscope.scan.budget import Budget
from trojanscope.scan.context import Ctx
from trojanscope.scan.engine import scan_bytes
from trojanscope.scan.rules import load_policy
from trojanscope.testing.scan_corpus import Gadget, zip_bytes

POLICY = load_policy()


def scan(data: bytes, name: str = "") -> list[tuple[str, str]]:
    ctx = Ctx(POLICY, "fuzz")
    scan_bytes(ctx, data, name)
    found = [(f.rule_id, f.message) for f in ctx.findings]
    assert [m for r, m in found if r == "TS999"] == []
    return found


@pytest.mark.parametrize("name", ["model.safetensors", "blob"])
def test_safetensors_dtype_that_is_a_list(name):
    """Fuzz seed 1: a JSON list as a tensor's dtype (TypeError: unhashable type: 'list')."""
    header = {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
              "b": {"dtype": ["0", "8"], "shape": [2], "data_offsets": [8, 16]}}
    raw = json.dumps(header).encode()
    found = scan(struct.pack("<Q", len(raw)) + raw + b"\0" * 16, name)
    assert ("TS300", "safetensors: tensor 'b' has unknown dtype ['0', '8']") in found


def test_torchscript_check_of_a_zip_with_an_unknown_version_needed():
    """Fuzz seed 1: a torch zip whose central directory says "version needed to extract: 25.5"
    (Python's zipfile raises NotImplementedError; the TorchScript check did not catch it)."""
    good = zip_bytes({"archive/data.pkl": pickle.dumps({"a": 1}, protocol=2),
                      "archive/version": b"3\n", "archive/constants.pkl": pickle.dumps(())})
    at = good.index(b"PK\x01\x02")
    bad = good[:at + 6] + b"\xff" + good[at + 7:]  # extract version 255 → "25.5"
    found = scan(bad, "model.pt")
    rules = {r for r, _ in found}
    assert "TS202" in rules  # the members were still read, through their local headers
    assert any(r == "TS208" and "unreadable zip (zip file version 25.5)" in m for r, m in found)


def test_onnx_external_location_that_is_not_utf8():
    """Fuzz seed 1: an external-data location whose bytes are not UTF-8 (protobuf hands them
    back as bytes: TypeError in the path check). Still an escape, and reported as one."""
    pytest.importorskip("onnx")
    from trojanscope.testing.scan_corpus import _onnx_model

    good = _onnx_model("../../etc/passwd").SerializeToString()
    bad = good.replace(b"../../etc/passwd", b"../../etc/passw\xff")
    found = scan(bad, "model.onnx")
    assert any(r == "TS310" and "../../etc/passw\\\\xff" in m for r, m in found), found


@pytest.mark.parametrize("parse_limit", [None, 100], ids=["in-memory", "wire-format"])
def test_onnx_external_location_through_a_symlink_whose_name_is_not_utf8(tmp_path, parse_limit):
    """Review of the fix above: the models over the in-memory parse limit go through
    ``onnx_stream``, which decoded the location with "replace", so a symlink named
    ``ext\\xff`` that leads out of the folder was looked up as ``ext\\ufffd`` (missing, so
    inside) while ONNX Runtime opens the real bytes."""
    pytest.importorskip("onnx")
    from trojanscope.scan import scan_paths
    from trojanscope.scan.rules import load_policy as fresh_policy
    from trojanscope.testing.scan_corpus import _onnx_model

    (tmp_path / "model").mkdir()
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "weights.bin").write_bytes(bytes(64))
    os.symlink("../secret", os.fsencode(tmp_path / "model") + b"/ext\xff")
    good = _onnx_model("extA/weights.bin").SerializeToString()
    (tmp_path / "model" / "m.onnx").write_bytes(
        good.replace(b"extA/weights.bin", b"ext\xff/weights.bin"))
    policy = fresh_policy()
    if parse_limit is not None:
        policy.limits.max_memory_member = parse_limit
    report = scan_paths([tmp_path / "model" / "m.onnx"], policy)
    found = [(f.rule_id, f.message) for f in report.findings]
    assert any(r == "TS310" and "ext\\\\xff/weights.bin" in m for r, m in found), found


def _tar_with_size(members: dict[str, bytes], size_field: bytes) -> bytes:
    """A tar whose first member's size field is ``size_field`` (12 bytes), checksum fixed."""
    import io
    import tarfile

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    out = bytearray(buf.getvalue())
    out[124:136] = size_field
    out[148:156] = b" " * 8
    out[148:156] = b"%06o\0 " % (sum(out[:512]) & 0o777777)
    return bytes(out)


@pytest.mark.parametrize("size_field", [b"\x80" + b"\xff" * 11, b"77777777777\0"],
                         ids=["base-256", "8-GiB"])
def test_tar_member_whose_size_runs_past_the_end(size_field):
    """Fuzz seed 11: a tar member whose base-256 size field says 2**88 bytes. tarfile's stream
    mode skipped it one empty 10 KiB read at a time, for ever (a hang the file's time limit did
    not stop); and a payload at the start of such a member was never scanned."""
    import time

    payload = pickle.dumps(Gadget(os.system, ("true",)), protocol=2)
    data = _tar_with_size({"a.pkl": payload, "b.txt": b"hello"}, size_field)
    started = time.monotonic()
    found = scan(data, "t.tar")
    assert time.monotonic() - started < 5
    assert any(r == "TS102" for r, _ in found)  # the payload before the end is still scanned
    assert any(r == "TS203" and "tar member declares" in m and "archive ends after" in m
               for r, m in found)


def test_tar_member_over_the_memory_limit_is_not_called_short():
    """Review of the fix above: a member with an honest size over ``max_memory_member`` is read
    only as far as its format's scan goes; that stop is not the archive ending early (no TS203
    "archive ends after"), and the member after it is still scanned."""
    import io
    import tarfile

    from trojanscope.scan.rules import load_policy as fresh_policy

    policy = fresh_policy()
    policy.limits.max_memory_member = 4096
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tf:
        for name, data in {"big.bin": b"A" * 200_000,
                           "c.pkl": pickle.dumps(Gadget(os.system, ("true",)), protocol=2)}.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    ctx = Ctx(policy, "fuzz")
    scan_bytes(ctx, buf.getvalue(), "t.tar")
    found = [(f.rule_id, f.message) for f in ctx.findings]
    assert not any(r == "TS203" for r, _ in found), found
    assert any(r == "TS182" and "over the 4096-byte memory limit" in m for r, m in found)
    assert any(r == "TS102" for r, _ in found)


def _gnu_sparse_tar(name: str, stored: int, data: bytes) -> bytes:
    """One old-GNU sparse member ('S') whose single data region and real size are ``stored``
    bytes, followed by ``data`` only (``stored`` may claim more than is there)."""
    h = bytearray(512)
    h[0:len(name)] = name.encode()
    h[100:124] = b"0000644\x000000000\x000000000\x00"
    h[124:136] = b"%011o\x00" % stored
    h[136:148] = b"00000000000\x00"
    h[156:157] = b"S"
    h[257:265] = b"ustar  \x00"
    h[386:410] = b"%011o\x00%011o\x00" % (0, stored)  # sparse map: one region at 0
    h[483:495] = b"%011o\x00" % stored  # real size
    h[148:156] = b" " * 8
    h[148:156] = b"%06o\x00 " % (sum(h) & 0o777777)
    return bytes(h) + data + b"\x00" * (-len(data) % 512)


@pytest.mark.parametrize("stored", [100_000, (1 << 33) - 1], ids=["100-kB", "8-GiB"])
def test_sparse_tar_member_whose_size_runs_past_the_end(stored):
    """Review of the fix above: a GNU sparse member whose size runs past the end still went
    through tarfile's own reader, which drops everything with "unexpected end of data" (TS202
    only), while a loader reading it in 8 KiB blocks gets the payload at its start."""
    import tarfile

    body = pickle.dumps(Gadget(os.system, ("true",)), protocol=2) + b"." * 20_000
    data = _gnu_sparse_tar("a.pkl", stored, body)
    with tarfile.open(fileobj=io.BytesIO(data)) as tf:  # what a loader gets: the payload
        member = tf.next()  # the first member comes before tarfile sees the end
        assert member.sparse is not None
        assert tf.extractfile(member).read(8192).startswith(body[:8192])
    found = scan(data, "t.tar")
    assert any(r == "TS102" for r, _ in found), found
    assert any(r == "TS203" and "archive ends after" in m for r, m in found), found


@pytest.mark.parametrize("header", [b"{[1]: 2}", b"{{}: 1}"])
def test_npy_header_with_an_unhashable_key(header):
    """Found reading the .npy header parser after the fuzz run printed its SyntaxWarnings:
    ``ast.literal_eval`` raises TypeError for a dict literal with a list or dict key."""
    data = b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header
    assert ("TS203", "invalid .npy header: .npy header is not a Python literal") in scan(
        data, "a.npy")


def test_npy_header_with_a_bad_number_warns_nothing(recwarn):
    """A header like ``(1or 2,)`` made Python print "SyntaxWarning: invalid decimal literal" to
    the user's terminal while scanning."""
    header = b"{'descr': '<f4', 'fortran_order': False, 'shape': (1or 2,)}"
    data = b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header
    assert ("TS203", "invalid .npy header: .npy header is not a Python literal") in scan(
        data, "b.npy")
    assert not [w for w in recwarn if issubclass(w.category, SyntaxWarning)]


def test_zip_inside_a_compressed_stream_leaves_no_file_open():
    """Fuzz seed 31 ("ResourceWarning: Unclosed file <SpooledTemporaryFile>"): a zip that is
    not seekable where it lies (inside gzip, or a large tar member) is copied to a spooled
    temporary file, which stayed open after the scan (a real temporary file past 32 MiB)."""
    import gc
    import gzip
    import warnings

    data = gzip.compress(zip_bytes({"a.txt": b"hi"}), mtime=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        found = scan(data, "model.zip.gz")
        gc.collect()
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]
    assert [r for r, _ in found if r == "TS999"] == []


def _folder_findings(folder) -> list[tuple[str, str]]:
    from trojanscope.scan import scan_paths

    report = scan_paths([folder], POLICY)
    found = [(f.rule_id, f.message) for f in report.findings]
    assert [m for r, m in found if r == "TS999"] == []
    return found


def test_hf_config_whose_architectures_is_a_number(tmp_path):
    """Fuzz seed 51 (folder mode): ``"architectures": -1180591620717411303424`` in config.json
    (TypeError: 'int' object is not iterable in the config-versus-weights check)."""
    from trojanscope.testing.hf_corpus import write_benign

    folder = write_benign(tmp_path / "m")
    config = json.loads((folder / "config.json").read_text())
    config["architectures"] = -(2 ** 70)
    (folder / "config.json").write_text(json.dumps(config))
    _folder_findings(folder)


@pytest.mark.parametrize(("part", "key"), [("normalizer", "normalizers"),
                                           ("pre_tokenizer", "pretokenizers")])
def test_hf_tokenizer_sequence_whose_members_are_not_a_list(tmp_path, part, key):
    """Found reading the tokenizer checks after the fuzz's config.json bug: a Sequence whose
    member list is a number (TypeError), now a TS430 that names it."""
    from trojanscope.testing.hf_corpus import write_benign

    folder = write_benign(tmp_path / "m")
    data = json.loads((folder / "tokenizer.json").read_text())
    data[part] = {"type": "Sequence", key: 5}
    (folder / "tokenizer.json").write_text(json.dumps(data))
    assert ("TS430", f"tokenizer.json {part}: {key} is not a list") in _folder_findings(folder)


@pytest.mark.parametrize("damaged", [False, True], ids=["text", "bad-checksum"])
def test_compressed_file_on_disk_is_closed_after_the_second_walk(tmp_path, damaged):
    """Fuzz seed 101 (file mode, "ResourceWarning: unclosed file <BufferedReader>"): the file
    reopened for the pickle walk of a zlib stream's content stayed open when that content was
    no pickle or the stream was damaged (closing the decompressed view left its source open)."""
    import gc
    import warnings
    import zlib

    from trojanscope.scan import scan_paths

    data = zlib.compress(b"hello, not a pickle")
    if damaged:
        data = data[:-1] + bytes([data[-1] ^ 0xFF])  # the Adler-32 check no longer matches
    (tmp_path / "blob.z").write_bytes(data)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = scan_paths([tmp_path], POLICY)
        gc.collect()
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]
    assert not [f for f in report.findings if f.rule_id == "TS999"]


@pytest.mark.parametrize(("shard", "why"), [
    ("x" * 5000, "cannot be looked up (File name too long)"),
    ("model\x00.safetensors", "holds a NUL byte (no file can have that name)"),
], ids=["too-long", "nul-byte"])
def test_hf_shard_index_naming_an_impossible_file(tmp_path, shard, why):
    """Fuzz seed 101 (folder mode): a shard index naming a 5,000-character file (OSError:
    File name too long, from ``Path.is_file``); a NUL byte made ``os.path.realpath`` raise
    ValueError the same way. Both are TS451 that say why."""
    from trojanscope.testing.hf_corpus import write_benign

    folder = write_benign(tmp_path / "m")
    index = {"metadata": {}, "weight_map": {"classifier.bias": shard}}
    (folder / "model.safetensors.index.json").write_text(json.dumps(index))
    found = _folder_findings(folder)
    assert any(r == "TS451" and m.endswith(f"which {why}") for r, m in found), found


def test_gzip_member_whose_held_output_is_corrupt():
    """Fuzz seed 106: concatenated gzip members, the last with two bytes inserted after its
    header. zlib kept output back until the input ran out, and the call that drained it raised
    zlib.error outside the handler that makes it a damaged-stream finding."""
    import gzip

    member = gzip.compress(pickle.dumps(Gadget(eval, ("1",)), protocol=2), mtime=0)
    data = member * 4 + member[:8] + b"\x7a\xf5" + member[8:]
    found = scan(data, "model.pkl.gz")
    assert any(r == "TS101" for r, _ in found)  # the members before the damage: scanned
    assert any(r == "TS203" and "gzip data is corrupt" in m for r, m in found), found


def test_a_million_empty_pickles_stop_at_the_time_limit():
    """Review of hS: a payload followed by 2 MiB of STOP bytes is two million one-opcode
    pickles; the loop over them never looked at the file's deadline (seconds per MiB),
    so a large file of them ran far past the limit with no TS182."""
    import time

    data = pickle.dumps(Gadget(os.system, ("true",)), protocol=2) + b"." * (2 << 20)
    ctx = Ctx(POLICY, "fuzz", budget=Budget.start(0.5))
    started = time.thread_time()  # the budget is CPU time (stop 56): a busy machine's wait is not
    scan_bytes(ctx, data, "a.pkl")
    found = [(f.rule_id, f.message) for f in ctx.findings]
    assert time.thread_time() - started < 4
    assert any(r == "TS102" for r, _ in found), found
    assert any(r == "TS182" and "time limit" in m for r, m in found), found
