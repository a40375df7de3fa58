"""Compressed streams the stop-41 fuzzer and the scanner-vs-loader differential showed wrong:
a zstd error was a scanner error (TS999), a damaged stream hid the output a loader had already
unpickled, and a second lz4/zstd frame (or a stream after a chunk-aligned gzip member) was
never read although the loaders' file classes read it."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import pickle
import random
from pathlib import Path

import pytest

from trojanscope.scan.compressed import (
    CHUNK,
    BombError,
    CorruptStream,
    DecompressStream,
    _optional,
)
from trojanscope.scan.context import Ctx
from trojanscope.scan.engine import scan_bytes
from trojanscope.scan.rules import load_policy
from trojanscope.testing.scan_corpus import Gadget

POLICY = load_policy()
PAYLOAD = pickle.dumps(Gadget(os.system, ("true",)), protocol=2)
BENIGN = pickle.dumps({"w": list(range(50))}, protocol=2)


def scan(data: bytes, name: str) -> set[str]:
    ctx = Ctx(POLICY, "codec")
    scan_bytes(ctx, data, name)
    rules = {f.rule_id for f in ctx.findings}
    assert "TS999" not in rules, [f.message for f in ctx.findings]
    return rules


def _zstd():
    zstd = _optional("compression.zstd", "backports.zstd")
    if zstd is None:
        pytest.skip("no zstd module")
    return zstd


def test_damaged_zstd_frame_is_a_finding_not_a_scanner_error():
    """Fuzz seed 9001 input 42 (and 201, 202): ``ZstdError`` ("Data corruption detected",
    "Unsupported frame parameter", "Destination buffer is too small", "Dictionary mismatch")
    is no subclass of the errors the stream caught, so it ended as TS999."""
    zstd = _zstd()
    good = zstd.compress(PAYLOAD)
    for pos in range(4, len(good)):
        bad = good[:pos] + bytes([good[pos] ^ 0x55]) + good[pos + 1:]
        scan(bad, "m.pkl.zst")  # no TS999 at any offset


def _damaged_big(compress) -> bytes:
    big = compress(PAYLOAD + random.Random(3).randbytes(300_000))
    return big[:17994] + bytes([big[17994] ^ 0x55]) + big[17995:]


@pytest.mark.parametrize("kind", ["lzma", "xz"])
def test_damage_after_the_payload_in_the_first_chunk_hides_nothing(kind):
    """Differential (stop 41), ``lzma/big/flip@17994``: the payload then 300 kB, one byte
    flipped 18 kB in. LZMAFile hands the unpickler the first 8 KiB (the payload) before the
    damage; the scanner's one call on the 64 KiB chunk raised and lost all of it, and for
    ``.lzma`` (a weak magic) "no output at all" made the stream a coincidence: no finding."""
    fmt = lzma.FORMAT_ALONE if kind == "lzma" else lzma.FORMAT_XZ
    data = _damaged_big(lambda d: lzma.compress(d, format=fmt))
    with lzma.LZMAFile(io.BytesIO(data)) as loader:  # what the loader hands the unpickler
        assert loader.read(8192).startswith(PAYLOAD)
    assert "TS102" in scan(data, f"m.pkl.{kind}")  # (the walk stops at the filler: TS181)


def _lz4():
    return pytest.importorskip("lz4.frame")


@pytest.mark.parametrize("codec", ["lz4", "zstd", "lzma", "bz2"])
def test_payload_in_a_second_frame_is_scanned(codec):
    """Differential (stop 41), ``benign+payload/whole``: a benign frame then the payload's.
    LZ4FrameFile, ZstdFile and LZMAFile (of a .lzma stream) read on into the next frame, and a
    loader that unpickles several pickles in turn (torch's legacy format) runs it; the scanner
    stopped after the first lz4/zstd/.lzma frame."""
    compress = {"lz4": lambda: _lz4().compress, "zstd": lambda: _zstd().compress,
                "lzma": lambda: lambda d: lzma.compress(d, format=lzma.FORMAT_ALONE),
                "bz2": lambda: bz2.compress}[codec]()
    assert "TS102" in scan(compress(BENIGN) + compress(PAYLOAD), f"m.pkl.{codec}")


@pytest.mark.parametrize("codec", ["lz4", "zstd", "bz2"])
def test_trailing_bytes_after_a_frame_are_ignored_as_the_loaders_do(codec):
    """Bytes after a frame that are no frame end the stream quietly (``_compression``'s rule),
    so a concatenation attempt does not turn a clean file into a damaged one."""
    compress = {"lz4": lambda: _lz4().compress, "zstd": lambda: _zstd().compress,
                "bz2": lambda: bz2.compress}[codec]()
    rules = scan(compress(BENIGN) + b"not a frame at all", f"m.pkl.{codec}")
    assert not rules & {"TS203", "TS102"}


def test_gzip_member_after_one_that_ends_a_read_chunk_is_scanned():
    """A benign gzip member exactly one read chunk long (a pickle, then one-opcode pickles),
    then the payload's member: the first member's decompressor ended with no bytes left over,
    and the stream called itself done."""
    filler = b"." * CHUNK
    first = b""
    for cut in range(CHUNK, 0, -1):  # stored blocks: its size follows the filler's length
        first = gzip.compress(BENIGN + filler[:cut], compresslevel=0, mtime=0)
        if len(first) <= CHUNK:
            break
    first = first if len(first) == CHUNK else None
    if first is None:
        pytest.skip("no member of exactly one chunk")
    data = first + gzip.compress(PAYLOAD, mtime=0)
    assert gzip.decompress(data).endswith(PAYLOAD)
    assert "TS102" in scan(data, "m.pkl.gz")


BUGS = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "fuzz_scanner_s41" / "bugs"


@pytest.mark.parametrize("signature", ["6f44aef760", "2c14d95b7c", "9fc743ed4a", "e6f4c75b46"])
def test_the_zstd_inputs_the_fuzzer_kept(signature):
    """The four shrunk inputs of the stop-41 campaigns (seeds 201 and 202), one per zstd error
    message: each is a finding now, not TS999."""
    _zstd()
    scan((BUGS / f"bug-{signature}.bin").read_bytes(), "zstd_pickle.zst")


@pytest.mark.parametrize("pad", [1, 4, CHUNK + 3])
def test_gzip_member_after_zero_padding_is_scanned(pad):
    """gzip.GzipFile skips zero bytes between members (gzip FAQ 8) and reads the next one, so
    a pickle split over two members with zeros between them runs the payload; the scanner
    stopped at the first zero byte: TS180 only (review hR1, stop 41)."""
    whole = pickle.dumps([{"w": 1}, Gadget(os.system, ("true",))], protocol=2)
    data = gzip.compress(whole[:10], mtime=0) + b"\0" * pad + gzip.compress(whole[10:], mtime=0)
    with gzip.GzipFile(fileobj=io.BytesIO(data)) as loader:  # what the loader hands pickle
        assert loader.read() == whole
    assert "TS102" in scan(data, "m.pkl.gz")


def test_gzip_magic_split_over_two_read_chunks_is_scanned():
    """The next member's magic straddles a 64 KiB read: one byte of it was no member start."""
    whole = pickle.dumps([{"w": 1}, Gadget(os.system, ("true",))], protocol=2)
    first = gzip.compress(whole[:10], mtime=0)
    data = first + b"\0" * (CHUNK - len(first) - 1) + gzip.compress(whole[10:], mtime=0)
    assert data[CHUNK - 1:CHUNK + 1] == b"\x1f\x8b"
    assert gzip.decompress(data) == whole
    assert "TS102" in scan(data, "m.pkl.gz")


@pytest.mark.parametrize("codec", ["lz4", "zstd"])
@pytest.mark.parametrize("skip_size", [5, 5000])  # within the sniffed head, and beyond it
def test_stream_that_starts_with_a_skippable_frame_is_scanned(codec, skip_size):
    """LZ4FrameFile and ZstdFile pass over a leading skippable frame (magic 0x184D2A5?) and
    read the frames after it; the sniffer knew only the plain magic, so the file was no lz4
    or zstd at all: no finding (review hR1, stop 41)."""
    compress = {"lz4": lambda: _lz4().compress, "zstd": lambda: _zstd().compress}[codec]()
    skippable = (0x184D2A5A).to_bytes(4, "little") + skip_size.to_bytes(4, "little")
    data = skippable + b"s" * skip_size + compress(PAYLOAD)
    if codec == "lz4":
        with _lz4().LZ4FrameFile(io.BytesIO(data)) as loader:
            assert loader.read() == PAYLOAD
    assert "TS102" in scan(data, f"m.pkl.{codec if codec == 'lz4' else 'zst'}")


@pytest.mark.parametrize("codec", ["xz", "bzip2", "lz4", "zstd"])
def test_one_large_read_is_filled_in_small_steps(codec):
    """Each read returned one 512-byte step: a 16 MB read by the pickle walk (one BINBYTES)
    made 32,768 reads that each allocated 16 MB, a minute for a 16 MB .pkl.xz (review hR1,
    stop 41). Now the steps fill the read; a bomb still stops at its cap."""
    compress = {"xz": lzma.compress, "bzip2": bz2.compress, "lz4": lambda: _lz4().compress,
                "zstd": lambda: _zstd().compress}[codec]
    if codec in ("lz4", "zstd"):
        compress = compress()
    data = random.Random(5).randbytes(1 << 16) * 8
    stream = DecompressStream(io.BytesIO(compress(data)), codec, max_out=1 << 30)
    got, reads = b"", 0
    while chunk := stream.read(len(data)):  # a read may end where the input chunk does
        got, reads = got + chunk, reads + 1
    assert got == data and reads <= 32  # 1,024 reads of one step each before
    bomb = DecompressStream(io.BytesIO(compress(bytes(4 << 20))), codec, max_out=1 << 20)
    with pytest.raises(BombError) as caught:
        bomb.read(64 << 20)
    assert caught.value.produced <= (1 << 20) + 1


def test_damage_after_output_in_one_read_keeps_the_output_then_raises():
    """The steps before a corrupt spot are returned; the error comes with the next read."""
    data = _damaged_big(lzma.compress)
    stream = DecompressStream(io.BytesIO(data), "xz", max_out=1 << 30)
    got = b""
    with pytest.raises(CorruptStream):
        while chunk := stream.read(1 << 20):
            got += chunk
    assert got.startswith(PAYLOAD) and len(got) > 8192  # what LZMAFile hands on, and more
