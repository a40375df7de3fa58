"""Stop-42 scanner defects (issue 4): each input rebuilt here and scanned as the fuzzer or the
differential scanned it. XGBoost counts that JSON reads as infinity, an ONNX external-data
entry the streaming reader misparsed, and HDF5 files behind a user block."""

from __future__ import annotations

import io
import json
import pickle
import time
import zipfile

import pytest

from trojanscope.scan.budget import Budget
from trojanscope.scan.context import Ctx
from trojanscope.scan.engine import scan_bytes
from trojanscope.scan.rules import load_policy

SIGNATURE = b"\x89HDF\r\n\x1a\n"


def _scan(data: bytes, name: str, stream_onnx: bool = False) -> list[tuple[str, str]]:
    policy = load_policy()
    if stream_onnx:
        # every ONNX model to the streaming reader (max_memory_member too: main had no
        # max_onnx_parse, so that the test fails there)
        policy.limits.max_onnx_parse = policy.limits.max_memory_member = 1
    ctx = Ctx(policy, name, budget=Budget.start(policy.limits.max_seconds))
    scan_bytes(ctx, data, name)
    return [(f.rule_id, f.message) for f in ctx.findings]


@pytest.mark.parametrize("count", [b"1e999", b"-1e999", b"Infinity"])
def test_xgboost_tree_count_of_infinity_is_a_structure_finding(count: bytes) -> None:
    """``int(inf)`` raised OverflowError, which the structure check did not catch: TS999."""
    doc = (b'{"learner": {"gradient_booster": {"model": {"gbtree_model_param": '
           b'{"num_trees": ' + count + b'}, "trees": []}}}}')
    found = _scan(doc, "model.json")
    assert [r for r, _ in found] == ["TS340"], found


def _onnx(entry: bytes) -> bytes:
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    t = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[1])
    t.data_location = TensorProto.EXTERNAL
    e = onnx.StringStringEntryProto()
    e.ParseFromString(entry)
    t.external_data.append(e)
    graph = helper.make_graph([helper.make_node("Identity", ["w"], ["y"])], "g", [],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])],
                              initializer=[t])
    return helper.make_model(graph).SerializeToString()


def _string(field: int, text: bytes) -> bytes:
    """A length-delimited protobuf field (lengths under 2**14 here)."""
    n = len(text)
    length = bytes([n]) if n < 0x80 else bytes([(n & 0x7F) | 0x80, n >> 7])
    return bytes([field << 3 | 2]) + length + text


@pytest.mark.parametrize("stream", [False, True])
def test_onnx_entry_with_an_unknown_field_still_shows_its_location(stream: bool) -> None:
    """An external-data entry (key, an unknown field 3 holding the bytes of a field 1, value):
    protobuf and ONNX Runtime skip field 3 and read location ``../../etc/passwd``; the
    streaming reader parsed field 3's inside as the key ``x`` and reported nothing."""
    entry = _string(1, b"location") + _string(3, _string(1, b"x")) + \
        _string(2, b"../../etc/passwd")
    found = _scan(_onnx(entry), "model.onnx", stream_onnx=stream)
    assert [r for r, _ in found] == ["TS310"], found
    assert "../../etc/passwd" in found[0][1]


def test_onnx_entry_over_a_mebibyte_is_not_skipped_by_the_streaming_reader() -> None:
    """An entry padded past 1 MiB by an unknown field: the reader skipped entries that large
    whole, so the location in it went unchecked."""
    entry = _string(1, b"location") + _string(2, b"/etc/passwd")
    pad = b"\x1a" + _varint(1 << 21) + b"\0" * (1 << 21)
    found = _scan(_onnx(entry + pad), "model.onnx", stream_onnx=True)
    assert [r for r, _ in found] == ["TS310"], found


def test_onnx_location_over_64_kib_is_refused_by_the_streaming_reader(tmp_path) -> None:
    """No real location is that long; it is not read into memory (TS311 for a ``.onnx``
    file, as any wire-format error there)."""
    from trojanscope.scan import scan_paths

    entry = _string(1, b"location") + b"\x12" + _varint(70_000) + b"a" * 70_000
    path = tmp_path / "model.onnx"
    path.write_bytes(_onnx(entry))
    policy = load_policy()
    policy.limits.max_onnx_parse = policy.limits.max_memory_member = 1
    found = [(f.rule_id, f.message) for f in scan_paths([path], policy).findings]
    assert [r for r, _ in found] == ["TS311"], found
    assert "70,000-byte string" in found[0][1]


def _varint(n: int) -> bytes:
    out = b""
    while n >= 0x80:
        out += bytes([(n & 0x7F) | 0x80])
        n >>= 7
    return out + bytes([n])


def test_onnx_parse_limit_comes_from_the_policy(tmp_path) -> None:
    """``[limits] max_onnx_parse`` routes smaller models to the streaming reader (the tests
    and the fuzzer reach it without a 64 MiB file)."""
    from trojanscope.scan.rules import load_policy as load

    config = tmp_path / "rules.toml"
    config.write_text("[limits]\nmax_onnx_parse = 16\n")
    assert load([config]).limits.max_onnx_parse == 16
    assert load_policy().limits.max_onnx_parse == 64 << 20


_LAMBDA_CONFIG = json.dumps({"class_name": "Sequential", "config": {"layers": [
    {"class_name": "Lambda", "config": {"name": "evil", "function": ["e30=", None, None]}}]}})


def _behind_user_block(block: bytes, offset: int) -> bytes:
    """A byte image with the HDF5 signature at ``offset`` and the Lambda config after it."""
    return block + b"\0" * (offset - len(block)) + SIGNATURE + b"\0" * 40 + \
        _LAMBDA_CONFIG.encode() + b"\0" * 64


@pytest.mark.parametrize("offset", [512, 1024, 4096])
@pytest.mark.parametrize("block", [pickle.dumps({}, protocol=2), b"", b"PK\x05\x06" + b"\0" * 18])
def test_hdf5_behind_a_user_block_is_scanned_as_hdf5(block: bytes, offset: int) -> None:
    """libhdf5 finds the superblock at 512, 1024, 2048, ...: a file starting with a pickle, an
    empty zip or zeros is an HDF5 file to h5py and Keras; the scanner sniffed the first bytes
    only and never read the Lambda layer."""
    found = _scan(_behind_user_block(block, offset), "model.h5")
    assert "TS320" in [r for r, _ in found], found


def test_hdf5_at_an_offset_libhdf5_does_not_search_is_not_hdf5() -> None:
    from trojanscope.scan.hdf5_userblock import superblock_offset

    data = b"\0" * 768 + SIGNATURE + b"\0" * 300
    assert superblock_offset(io.BytesIO(data), len(data)) is None
    assert _scan(data, "x.bin") == []


class _Forward(io.RawIOBase):
    """A stream that cannot seek (a decompressed one)."""

    def __init__(self, data: bytes) -> None:
        self.f = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[override]
        chunk = self.f.read(len(b))
        b[:len(chunk)] = chunk
        return len(chunk)


@pytest.mark.parametrize("offset", [512, 2048, 1 << 16])
def test_superblock_offset_seeking_and_forward(offset: int) -> None:
    from trojanscope.scan.hdf5_userblock import superblock_offset

    data = b"\1" * offset + SIGNATURE + b"\0" * 8
    assert superblock_offset(io.BytesIO(data), len(data)) == offset
    assert superblock_offset(_Forward(data), None) == offset
    assert superblock_offset(_Forward(data), None, forward_limit=offset // 2) is None


def test_hdf5_behind_a_user_block_inside_a_zip_and_a_gzip() -> None:
    import gzip

    image = _behind_user_block(pickle.dumps({}, protocol=2), 512)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("model.h5", image)
    assert "TS320" in [r for r, _ in _scan(buf.getvalue(), "models.zip")]
    assert "TS320" in [r for r, _ in _scan(gzip.compress(image, mtime=0), "model.h5.gz")]


def test_real_hdf5_file_with_a_user_block(tmp_path) -> None:
    """The same with a file h5py wrote (userblock_size=512), a pickle in the user block."""
    h5py = pytest.importorskip("h5py")
    from pathlib import Path

    from trojanscope.scan import scan_paths

    path = Path(tmp_path) / "model.h5"
    with h5py.File(path, "w", userblock_size=512) as h5:
        h5.attrs["model_config"] = _LAMBDA_CONFIG
    with open(path, "r+b") as fh:
        fh.write(pickle.dumps({}, protocol=2))
    assert h5py.is_hdf5(path)
    rules = [f.rule_id for f in scan_paths([path], load_policy()).findings]
    assert "TS320" in rules, rules


def _old_classify(pol, module: str, name: str):
    """The stop-41 recursive ``Policy.classify`` (exponential in the dots), as reference."""
    from trojanscope.report.model import Severity
    from trojanscope.scan.rules import Verdict, _exact_pattern

    literal = pol._classify_exact(module, name)
    if ("." not in name and literal.category.severity <= Severity.LOW
            and not _exact_pattern(literal) and name in pol._risky_names()):
        risky = pol._risky_names()[name]
        return Verdict(risky.category, risky.pattern, literal.canonical)
    if "." not in name or _exact_pattern(literal):
        return literal
    verdicts = [literal]
    if literal.category.severity <= Severity.LOW:
        verdicts = [Verdict(pol.unknown, None, literal.canonical)]
    parts = name.split(".")
    for i in range(len(parts) - 1):
        verdicts.append(_old_classify(pol, parts[i], ".".join(parts[i + 1:])))
    return max(verdicts, key=lambda v: v.category.severity)


def test_classify_flattened_gives_the_recursive_verdicts() -> None:
    """3,000 seeded random dotted names (up to 9 parts, from module and function names the
    lists hold): the same category, pattern and canonical name as the recursive version."""
    import random

    pol = load_policy()
    words = ["os", "system", "builtins", "eval", "getattr", "torch", "nn", "Module",
             "collections", "OrderedDict", "numpy", "core", "multiarray", "_reconstruct",
             "subprocess", "Popen", "__builtin__", "copy_reg", "_reconstructor", "sys",
             "modules", "x", "apply", "posix", "nt", "runpy", "_run_code", "pickle", "loads"]
    rng = random.Random(42)
    for _ in range(3000):
        module = ".".join(rng.choice(words) for _ in range(rng.randint(1, 2)))
        name = ".".join(rng.choice(words) for _ in range(rng.randint(1, 9)))
        new, old = pol.classify(module, name), _old_classify(pol, module, name)
        assert (new.category.rule_id, new.pattern, new.canonical) == \
            (old.category.rule_id, old.pattern, old.canonical), (module, name)


def test_long_dotted_global_is_judged_in_bounded_time() -> None:
    """Seed 208 (input 22,837, a ``getattr`` splice): a dotted GLOBAL name was judged by a
    recursion over every split of its parts, 2**n classifications; 17 parts took 3.6 s and
    40 would never finish (the fuzzer's 30 s watchdog). Every step is still judged."""
    name = ".".join(["a"] * 40) + ".os.system"
    data = b"\x80\x02cbuiltins\n" + name.encode() + b"\n)R."
    started = time.monotonic()
    found = _scan(data, "model.pkl")
    assert time.monotonic() - started < 5
    assert "TS102" in [r for r, _ in found], found[:3]


def test_stack_global_name_of_50k_parts_is_judged_to_its_end() -> None:
    """A STACK_GLOBAL name has no line cap (a BINUNICODE string): 50,000 parts then
    ``os.system`` (module attributes cycle, so a real walk can be that long) is judged step
    by step in linear time (under a second on a quiet machine), and its last step found."""
    name = (".".join(["a"] * 50_000) + ".os.system").encode()
    data = (b"\x80\x04\x8c\x08builtins\x94" + b"X" + len(name).to_bytes(4, "little") + name
            + b"\x93)R.")
    started = time.monotonic()
    found = _scan(data, "model.pkl")
    assert time.monotonic() - started < 10
    assert "TS102" in [r for r, _ in found], found[:3]


def test_global_name_past_the_line_cap_says_its_tail_was_not_judged() -> None:
    """A GLOBAL line over 64 KiB: the unpickler reads all of it; the scanner keeps the first
    64 KiB, and now says so (TS182) instead of judging the cut name as the whole."""
    name = ".".join(["a"] * 40_000) + ".os.system"
    data = b"\x80\x02cbuiltins\n" + name.encode() + b"\n)R."
    found = _scan(data, "model.pkl")
    assert any(r == "TS182" and "only its first 65,536 were judged" in m for r, m in found), \
        [(r, m[:80]) for r, m in found]


def test_scan_extra_brings_a_zstd_decompressor() -> None:
    """zstd streams are opened only with a decompressor: the ``scan`` extra names
    ``backports.zstd`` (PSF-2.0; Python < 3.14 — 3.14 has ``compression.zstd``), and with it
    a zstd-wrapped payload gets its own finding (TS101), not TS182 "cannot be opened"."""
    import sys
    import tomllib
    from pathlib import Path

    from packaging.requirements import Requirement

    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    extra = tomllib.loads(pyproject.read_text())["project"]["optional-dependencies"]["scan"]
    zstd = [Requirement(r) for r in extra if Requirement(r).name == "backports.zstd"]
    assert len(zstd) == 1 and zstd[0].marker is not None
    assert zstd[0].marker.evaluate({"python_version": "3.13"})
    assert not zstd[0].marker.evaluate({"python_version": "3.14"})
    if sys.version_info >= (3, 14):
        from compression import zstd as codec  # type: ignore[import-not-found]
    else:
        from backports import zstd as codec  # type: ignore[no-redef]
    from trojanscope.testing.scan_corpus import Gadget

    payload = pickle.dumps(Gadget(eval, ("1",)), protocol=2)
    found = _scan(codec.compress(payload), "model.pkl.zst")
    assert "TS101" in [r for r, _ in found] and "TS182" not in [r for r, _ in found], found


_C = 8 << 20  # keras_fmt's byte-scan chunk


@pytest.mark.parametrize("doc", [
    b"x" * (_C - 70_000) + b'"class_name"' + b" " * 100_000 + b': "Lambda"',
    b"x" * (_C - 100) + b'"class_name"' + b" " * (_C + 5000) + b":" + b"\n" * (_C + 7)
    + b'"Lambda"',
    b"x" * (_C - 200_000) + b'"class_\\u006eame"' + b" " * 5000 + b":" + b"\t" * 200_000
    + b'"\\u004cambda"',
], ids=["100k-spaces-over-the-boundary", "spaces-over-three-chunks", "escaped-and-tabs"])
def test_byte_scan_finds_a_lambda_whose_key_and_value_whitespace_parts(doc: bytes) -> None:
    """The HDF5 differential (``storage/whitespace-over-chunk``): JSON allows any whitespace
    between ``"class_name"``, ``:`` and ``"Lambda"``; a run longer than the 64 KiB carried
    over the byte scan's 8 MiB chunk boundary parted them, and without h5py (the child) the
    Lambda layer went unreported."""
    from trojanscope.scan import keras_fmt

    ctx = Ctx(load_policy(), "model.h5")
    keras_fmt._byte_scan(ctx, io.BytesIO(SIGNATURE + doc))
    assert [f.rule_id for f in ctx.findings] == ["TS320"]
