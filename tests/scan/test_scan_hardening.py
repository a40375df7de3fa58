"""Scanner hardening: dotted names, CPython's number parsing, limits that end in a high
finding, the import scan after the stack model stops, zip overlaps, deflate tails, links."""

from __future__ import annotations

import io
import pickle
import struct
import time
import zipfile

import pytest

from trojanscope.report import Severity
from trojanscope.scan import load_policy, scan_paths
from trojanscope.scan.budget import Budget
from trojanscope.scan.compressed import can_open
from trojanscope.scan.context import Ctx
from trojanscope.scan.engine import scan_bytes
from trojanscope.scan.pickle_machine import (
    AnalysisLimit,
    PickleError,
    PickleMachine,
    WalkLimits,
    parse_int_line,
    parse_long_line,
)
from trojanscope.scan.stream import Reader
from trojanscope.testing.scan_corpus import call_pickle

POLICY = load_policy()


def worst(data: bytes, policy=None, name: str = "x.bin") -> dict[str, Severity]:
    ctx = Ctx(policy or POLICY, name)
    scan_bytes(ctx, data, name)
    out: dict[str, Severity] = {}
    for f in ctx.findings:
        out[f.rule_id] = max(out.get(f.rule_id, Severity.INFO), f.severity)
    return out


@pytest.mark.parametrize(("module", "name", "rule"), [
    ("sklearn", "os.system", "TS102"),
    ("torch.nn.modules.module", "inspect.os.system", "TS103"),
    ("scipy.sparse._base", "np.lib._format_impl.pickle.loads", "TS107"),
    ("sklearn", "pipeline.Pipeline", "TS150"),  # a module allowlist never covers a dotted name
    ("sklearn.utils.fixes", "system", "TS102"),  # nor a dangerous function imported into it
    ("sklearn.utils", "import_module", "TS103"),
    ("sympy", "sympify", "TS112"),
])
def test_dotted_names_are_judged_step_by_step(module, name, rule):
    assert POLICY.classify(module, name).category.rule_id == rule


def test_exact_allowlist_and_plain_names_keep_their_verdicts():
    assert POLICY.classify("sklearn.linear_model._base", "LinearRegression").category.rule_id \
        == "TS100"
    assert POLICY.classify("bdb", "Bdb.run").category.severity == Severity.CRITICAL


LINES = [b"0x1\n", b"010\n", b"00\n", b"01\n", b" 1\n", b"-0x10\n", b"1_000\n", b"08\n",
         b"99999999999999999999\n", b"0x\n", b"1\x00junk\n", b"+7\n", b"abc\n", b"1 \n"]


@pytest.mark.parametrize("line", LINES)
def test_int_and_long_lines_parse_as_cpython_does(line):
    for opcode, parse in ((b"I", parse_int_line), (b"L", parse_long_line)):
        try:
            expected = pickle.loads(opcode + line + b".")
        except (ValueError, pickle.UnpicklingError):
            with pytest.raises(PickleError):
                parse(line)
            continue
        got = parse(line)
        assert got == expected and type(got) is type(expected), (opcode, line)


def test_limits_raise_and_the_rest_is_scanned_for_imports():
    flood = b"\x80\x04" + b"N0" * 3000 + call_pickle("os", "system", "x")[2:]
    policy = load_policy()
    policy.limits.max_opcodes = 1000
    found = worst(flood, policy)
    assert found["TS182"] == Severity.HIGH and found["TS102"] == Severity.CRITICAL
    with pytest.raises(AnalysisLimit):
        PickleMachine(Reader(io.BytesIO(b"}" * 20000 + b".")), WalkLimits(max_stack=1000)).run()
    with pytest.raises(AnalysisLimit):
        PickleMachine(Reader(io.BytesIO(b"N0" * 10000 + b"N.")),
                      WalkLimits(budget=Budget.start(-1))).run()


def test_payload_after_a_malformed_spot_is_still_reported():
    data = b"\x80\x04N\x93" + call_pickle("os", "system", "x")[2:]  # STACK_GLOBAL underflow
    found = worst(data, name="x.pkl")
    assert found["TS180"] == Severity.MEDIUM and found["TS102"] == Severity.CRITICAL


def test_compressed_stream_that_breaks_after_the_payload_still_reports_it():
    import gzip

    data = gzip.compress(call_pickle("os", "system", "x"))
    broken = data[:-8] + b"\xff" * 8  # bad CRC and size: the loader ran the payload already
    assert worst(broken)["TS102"] == Severity.CRITICAL


def test_unopenable_compression_is_high(monkeypatch):
    import trojanscope.scan.compressed as compressed

    monkeypatch.setattr(compressed, "_optional", lambda *modules: None)  # as without lz4
    assert not can_open("lz4")
    assert worst(b"\x04\x22\x4d\x18" + b"\0" * 32)["TS182"] == Severity.HIGH


@pytest.mark.parametrize("members", [1, 2])
def test_lz4_payload_is_opened_and_found(members):
    lz4 = pytest.importorskip("lz4.frame")  # in the test and scan extras
    data = b"".join(lz4.compress(call_pickle("os", "system", "x")) for _ in range(members))
    found = worst(data)
    assert found["TS102"] == Severity.CRITICAL and "TS999" not in found


def _overlapping_zip(copies: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.pkl", pickle.dumps(list(range(100))))
    data = buf.getvalue()
    cd_at = data.rindex(b"PK\x01\x02")
    eocd_at = data.rindex(b"PK\x05\x06")
    central = data[cd_at:eocd_at]
    eocd = bytearray(data[eocd_at:])
    struct.pack_into("<HHII", eocd, 8, copies, copies, len(central) * copies, cd_at)
    return data[:cd_at] + central * copies + bytes(eocd)


def test_overlapping_zip_entries_are_a_finding_and_scanned_once():
    start = time.perf_counter()
    ctx = Ctx(POLICY, "z.zip")
    scan_bytes(ctx, _overlapping_zip(2000), "z.zip")
    assert time.perf_counter() - start < 5
    assert {f.rule_id: f.severity for f in ctx.findings}["TS201"] == Severity.HIGH
    assert len(ctx.findings) == 1


def test_deflate_member_ending_in_zeros_is_not_truncated():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("w.bin", b"hello" * 10 + b"\0" * 100_000)
    assert worst(buf.getvalue()) == {}


def test_links_out_of_the_tree_are_reported_not_followed(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "evil.pkl").write_bytes(call_pickle("os", "system", "x"))
    model = tmp_path / "model"
    model.mkdir()
    (model / "w.pkl").write_bytes(pickle.dumps([1]))
    (model / "sys").symlink_to(outside)
    report = scan_paths([model], POLICY)
    assert {f.rule_id for f in report.findings} == {"TS206"}
    assert all("evil" not in s.path for s in report.subjects)


def test_members_and_decompressed_streams_are_walked_as_pickles_whatever_their_magic():
    import gzip
    import tarfile

    disguised = b"GGUF\x03\x00\x00\x00\x00" + b"0" + call_pickle("os", "system", "x")[2:]
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        info = tarfile.TarInfo("model/weights.bin")
        info.size = len(disguised)
        tf.addfile(info, io.BytesIO(disguised))
    assert worst(buf.getvalue())["TS102"] == Severity.CRITICAL
    assert worst(gzip.compress(disguised))["TS102"] == Severity.CRITICAL
    zbuf = io.BytesIO()
    with zipfile.ZipFile(zbuf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("weights.gguf", disguised)
    assert worst(zbuf.getvalue())["TS102"] == Severity.CRITICAL


def test_large_onnx_is_read_from_the_wire_format(tmp_path):
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    t = numpy_helper.from_array(np.zeros(4, np.float32), "w")
    t.data_location = TensorProto.EXTERNAL
    t.ClearField("raw_data")
    entry = t.external_data.add()
    entry.key, entry.value = "location", "../../etc/passwd"
    big = numpy_helper.from_array(np.ones(20_000, np.float32), "big")
    sub = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "sub", [], [], [t])
    graph = helper.make_graph([helper.make_node("If", ["c"], ["y"], then_branch=sub,
                                                else_branch=sub)], "g", [], [], [big])
    path = tmp_path / "m.onnx"
    path.write_bytes(helper.make_model(graph).SerializeToString())
    policy = load_policy()
    policy.limits.max_memory_member = 1000  # far below the file: the streaming reader runs
    found = {f.rule_id for f in scan_paths([path], policy).findings}
    assert found == {"TS310"}


def test_a_reviewed_limit_finding_is_suppressed_by_file_digest(tmp_path):
    import hashlib

    from trojanscope.scan.rules import Suppression

    path = tmp_path / "big.pkl"
    path.write_bytes(b"\x80\x04" + b"N0" * 3000 + b"N.")
    policy = load_policy()
    policy.limits.max_opcodes = 1000
    assert scan_paths([path], policy).exit_code(Severity.HIGH) == 1
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    policy.suppressions.append(Suppression("TS182", "reviewed", sha256=digest))
    assert scan_paths([path], policy).exit_code(Severity.HIGH) == 0
    path.write_bytes(path.read_bytes()[:-2] + b"0N.")  # another file: not covered
    assert scan_paths([path], policy).exit_code(Severity.HIGH) == 1


def test_7z_members_share_one_memory_budget(tmp_path):
    py7zr = pytest.importorskip("py7zr")
    path = tmp_path / "a.7z"
    with py7zr.SevenZipFile(path, "w") as archive:
        archive.writestr(pickle.dumps(list(range(200))), "a.pkl")
        archive.writestr(pickle.dumps(list(range(200))), "b.pkl")
    policy = load_policy()
    policy.limits.max_memory_member = 700  # one member fits, not both
    found = [f for f in scan_paths([path], policy).findings if f.rule_id == "TS182"]
    assert len(found) == 1 and found[0].severity == Severity.HIGH


def test_a_read_past_the_end_of_a_frame_is_read_as_cpython_does_and_flagged():
    # found by the differential test: CPython's C unpickler (file object) drops the rest of a
    # frame when a line runs past its end, and reads the line afresh after the frame
    data = (b"\x80\x04\x95\x1f\x00\x00\x00\x00\x00\x00\x00\x8c\x05posix\x94\x8c\x06system"
            b"csystem\nbuiltins\n\x94\x93\x94\x8c\x04true\x94\x85\x94R\x94.")
    ctx = Ctx(POLICY, "f.pkl")
    scan_bytes(ctx, data, "f.pkl")
    assert "system:s" in {f.evidence.get("global") for f in ctx.findings}
    assert any(f.rule_id == "TS182" and f.severity == Severity.HIGH for f in ctx.findings)


@pytest.mark.skipif(not can_open("zstd"), reason="no zstd decompressor installed")
def test_zstd_streams_are_opened():
    from trojanscope.scan.compressed import _optional

    zstd = _optional("compression.zstd", "backports.zstd")
    assert worst(zstd.compress(call_pickle("os", "system", "x")))["TS102"] == Severity.CRITICAL


def test_entry_whose_header_lies_inside_another_entry_is_still_scanned():
    """A harmless entry whose central-directory size is inflated over the next entry's local
    header must not hide that entry: loaders read it from its own header."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("a.txt", b"harmless")
        zf.writestr("b.pkl", call_pickle("os", "system", "x"))
    data = bytearray(buf.getvalue())
    first_cd = data.index(b"PK\x01\x02")
    struct.pack_into("<I", data, first_cd + 20, len(data))  # a.txt's compressed size
    found = worst(bytes(data), name="m.zip")
    assert found["TS102"] == Severity.CRITICAL and found["TS201"] == Severity.HIGH


@pytest.mark.parametrize("stray", [b"X\xff\xff\xff\x7f", b"\x8e" + b"\xff" * 8,
                                   b"B\xff\xff\xff\x0f"])
def test_stray_length_prefix_does_not_hide_later_imports(stray):
    """After the stack model stops, a byte that looks like a length-prefixed opcode must not
    make the import scan jump past the rest of the stream."""
    from trojanscope.scan.pickle_machine import PickleResult
    from trojanscope.scan.pickle_rescan import rescan_imports
    from trojanscope.scan.stream import Reader

    res = PickleResult()
    rescan_imports(Reader(io.BytesIO(b"\x00\x01" + stray + b"cos\nsystem\n")), res, 10**6, None)
    assert ("os", "system") in res.imports
