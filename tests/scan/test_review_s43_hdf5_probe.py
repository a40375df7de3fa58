"""Review of the stop-42 scanner merge (stop 43, hR1): the HDF5 user-block probe missed a
signature handed back in two reads, and the longer probe of a compressed ``.h5``."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import pickle

import pytest

from trojanscope.scan.budget import Budget
from trojanscope.scan.context import Ctx
from trojanscope.scan.engine import scan_bytes
from trojanscope.scan.rules import load_policy

SIGNATURE = b"\x89HDF\r\n\x1a\n"
_CONFIG = (b'{"class_name": "Sequential", "config": {"layers": [{"class_name": "Lambda", '
           b'"config": {"name": "evil", "function": ["e30=", null, null]}}]}}')


def _scan(data: bytes, name: str) -> list[str]:
    policy = load_policy()
    ctx = Ctx(policy, name, budget=Budget.start(policy.limits.max_seconds))
    scan_bytes(ctx, data, name)
    return [f.rule_id for f in ctx.findings]


def _image(offset: int) -> bytes:
    """A byte image with the HDF5 signature at ``offset`` (a pickle before it) and a Lambda
    config after it."""
    block = pickle.dumps({}, protocol=2)
    return block + b"\0" * (offset - len(block)) + SIGNATURE + b"\0" * 40 + _CONFIG + \
        b"\0" * 64


@pytest.mark.parametrize("cut", [513, 515, 519])
@pytest.mark.parametrize("codec", ["gzip", "bz2", "xz"])
def test_user_block_signature_split_between_two_compressed_streams(codec: str,
                                                                   cut: int) -> None:
    """Two concatenated streams (``gunzip``, ``bunzip2``, ``xz -d`` and the Python file
    classes join them) parted inside the signature at byte 512: the decompressing reader
    hands back the first stream's last bytes alone, and the probe read the 8 signature
    bytes with one ``read``: a short read was taken for the end of the data."""
    mod = {"gzip": gzip, "bz2": bz2, "xz": lzma}[codec]
    kw = {"mtime": 0} if codec == "gzip" else {}
    image = _image(512)
    data = mod.compress(image[:cut], **kw) + mod.compress(image[cut:], **kw)
    assert mod.decompress(data) == image
    assert "TS320" in _scan(data, f"model.h5.{codec}")


class _Trickle(io.RawIOBase):
    """A stream that cannot seek and hands back at most 3 bytes a read."""

    def __init__(self, data: bytes) -> None:
        self.f = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[override]
        chunk = self.f.read(min(len(b), 3))
        b[:len(chunk)] = chunk
        return len(chunk)


def test_superblock_probe_reads_the_signature_whole_from_a_trickling_stream() -> None:
    from trojanscope.scan.hdf5_userblock import superblock_offset

    data = b"\1" * 2048 + SIGNATURE + b"\0" * 8
    assert superblock_offset(_Trickle(data), None) == 2048
    assert superblock_offset(_Trickle(b"\1" * 2048 + SIGNATURE[:5]), None) is None


def test_compressed_h5_keeps_its_name_for_the_longer_forward_probe() -> None:
    """A decompressed stream is probed 64 MiB forward "when named .h5", but it is scanned
    under the compressed file's name (``model.h5.gz``), which never ends in ``.h5``: a 2 MiB
    user block went unprobed in the file's natural name."""
    data = gzip.compress(_image(2 << 20), mtime=0)
    assert "TS320" in _scan(data, "model.h5.gz")
    assert "TS320" not in _scan(data, "model.bin.gz")  # 1 MiB forward unless so named


def test_hdf5_name_of_a_compressed_stream() -> None:
    from trojanscope.scan.hdf5_userblock import named_hdf5

    assert named_hdf5("a/model.H5")
    assert named_hdf5("model.h5.gz") and named_hdf5("model.hdf5.xz")
    assert named_hdf5("model.h5.tar.gz") is False
    assert named_hdf5("model.gz") is False and named_hdf5("h5") is False


def _tar(name: str, data: bytes) -> bytes:
    import tarfile

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tf:
        info = tarfile.TarInfo(name)
        info.size, info.mtime = len(data), 0
        tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


@pytest.mark.parametrize("offset", [512, 8192])
def test_tar_member_too_large_to_hold_is_probed_as_it_streams(offset: int) -> None:
    """A tar member over ``max_memory_member`` is scanned once as it streams by (it cannot
    be read again), so it was never probed for an HDF5 file behind a user block: a benign
    pickle first, the Lambda layer behind it, no finding at all. It is probed as it passes
    now, and TS182 says it was not scanned as HDF5."""
    policy = load_policy()
    policy.limits.max_memory_member = 4096  # the member (offset + 300 bytes) is larger
    ctx = Ctx(policy, "models.tar", budget=Budget.start(policy.limits.max_seconds))
    scan_bytes(ctx, _tar("model.h5", _image(offset) + b"\0" * 4096), "models.tar")
    found = [(f.rule_id, f.message) for f in ctx.findings if f.rule_id == "TS182"]
    assert len(found) == 1 and f"signature at byte {offset}" in found[0][1], ctx.findings


def test_tar_member_without_a_user_block_gets_no_probe_finding() -> None:
    policy = load_policy()
    policy.limits.max_memory_member = 4096
    ctx = Ctx(policy, "models.tar", budget=Budget.start(policy.limits.max_seconds))
    data = pickle.dumps(list(range(3000)), protocol=2)
    scan_bytes(ctx, _tar("model.pkl", data), "models.tar")
    assert [f.rule_id for f in ctx.findings] == []


@pytest.mark.parametrize("step", [1, 3, 8, 509, 4096])
def test_signature_watch_sees_the_signature_in_any_read_size(step: int) -> None:
    from trojanscope.scan.hdf5_userblock import SignatureWatch

    for offset in (512, 1024, 4096):
        data = b"\1" * offset + SIGNATURE + b"\0" * 100
        watch = SignatureWatch(io.BytesIO(data))
        got = b""
        while part := watch.read(step):
            got += part
        assert got == data and watch.found == offset
    watch = SignatureWatch(io.BytesIO(b"\0" * 768 + SIGNATURE + b"\0" * 600))
    assert watch.finish() is None  # 768 is no offset libhdf5 searches
