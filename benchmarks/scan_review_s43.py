"""Review of the stop-42 scanner merge (stop 43, hR1): each hostile input the review built,
scanned by the scanner on ``PYTHONPATH`` (run it once with this branch's ``src`` and once with
main's), and the cost of the Keras byte scan on random bytes.

Nothing is loaded or unpickled: the inputs are only scanned.

    PYTHONPATH=src python benchmarks/scan_review_s43.py --out rows.json
"""

from __future__ import annotations

import argparse
import bz2
import gzip
import io
import json
import lzma
import pickle
import random
import time
from pathlib import Path

SIGNATURE = b"\x89HDF\r\n\x1a\n"
CONFIG = (b'{"class_name": "Sequential", "config": {"layers": [{"class_name": "Lambda", '
          b'"config": {"name": "evil", "function": ["e30=", null, null]}}]}}')
CHUNK = 8 << 20  # keras_fmt's byte-scan chunk


def _image(offset: int) -> bytes:
    block = pickle.dumps({}, protocol=2)
    return block + b"\0" * (offset - len(block)) + SIGNATURE + b"\0" * 40 + CONFIG + b"\0" * 64


def _field(number: int, text: bytes) -> bytes:
    n, length = len(text), b""
    while n >= 0x80:
        length += bytes([(n & 0x7F) | 0x80])
        n >>= 7
    return bytes([number << 3 | 2]) + length + bytes([n]) + text


def _onnx(*entries: bytes) -> bytes:
    import onnx
    from onnx import TensorProto, helper

    t = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[1])
    t.data_location = TensorProto.EXTERNAL
    for raw in entries:
        e = onnx.StringStringEntryProto()
        e.ParseFromString(raw)
        t.external_data.append(e)
    graph = helper.make_graph([helper.make_node("Identity", ["w"], ["y"])], "g", [],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])],
                              initializer=[t])
    return helper.make_model(graph).SerializeToString()


def _key(number: int, wire: int) -> bytes:
    n, out = number << 3 | wire, b""
    while n >= 0x80:
        out += bytes([(n & 0x7F) | 0x80])
        n >>= 7
    return out + bytes([n])


def _group(number: int, inner: bytes) -> bytes:
    return _key(number, 3) + inner + _key(number, 4)


def _tar(name: str, data: bytes) -> bytes:
    import tarfile

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tf:
        info = tarfile.TarInfo(name)
        info.size, info.mtime = len(data), 0
        tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def cases() -> list[tuple[str, str, bytes, str, bool]]:
    """(family, case, bytes, name, ONNX through the streaming reader) of every input; the
    ``tar-large`` family is scanned with ``max_memory_member`` = 4096 (its member is larger)."""
    out = []
    image = _image(512)
    for codec, mod in (("gzip", gzip), ("bz2", bz2), ("xz", lzma)):
        for cut in (512, 513, 515, 519, 520):
            kw = {"mtime": 0} if codec == "gzip" else {}
            data = mod.compress(image[:cut], **kw) + mod.compress(image[cut:], **kw)
            out.append(("hdf5-split", f"{codec} streams parted at {cut}", data,
                        f"model.h5.{codec}", False))
    for mib in (1, 2, 32):
        out.append(("hdf5-named", f"model.h5.gz, user block {mib} MiB",
                    gzip.compress(_image(mib << 20), mtime=0), "model.h5.gz", False))
    loc = _field(1, b"location") + _field(2, b"../../etc/passwd")
    for what, other in (("checksum 70,000 B", _field(1, b"checksum") + _field(2, b"0" * 70_000)),
                        ("key 70,000 B", _field(1, b"k" * 70_000) + _field(2, b"x")),
                        ("checksum 1 KiB", _field(1, b"checksum") + _field(2, b"0" * 1024))):
        for name in ("model.bin", "model.onnx"):
            for stream in (False, True):
                out.append(("onnx-entry", f"{what}, {name}, "
                            f"{'stream' if stream else 'in memory'}", _onnx(loc, other), name,
                            stream))
    group = _group(5, _field(1, b"x"))
    for what, data in (
            ("group in the entry", _onnx(_field(1, b"location") + group + _field(2, b"/etc/x"))),
            ("group in a nested field", _onnx(loc + _group(7, group)))):
        for name in ("model.bin", "model.onnx"):
            for stream in (False, True):
                out.append(("onnx-group", f"{what}, {name}, "
                            f"{'stream' if stream else 'in memory'}", data, name, stream))
    for offset in (512, 8192):
        out.append(("tar-large", f"member of {offset + 4396} B, user block {offset} B",
                    _tar("model.h5", _image(offset) + b"\0" * 4096), "models.tar", False))
    for label, before, after in (
            ("value cut", b'"class_name"' + b" " * 100_000 + b': "Lam', b'bda"'),
            ("lone quote", b'"class_name":' + b"\n" * 100_000 + b'"', b'Lambda"'),
            ("escape cut", b'"class_name"' + b" " * 70_000 + b':"\\u00', b'4cambda"'),
            ("key at the end (stop 42)", b'"class_name"' + b" " * 70_000, b': "Lambda"')):
        doc = SIGNATURE + b"x" * (CHUNK - len(SIGNATURE) - len(before)) + before + after
        out.append(("keras-bytes", label, doc, "model.h5", False))
    return out


def scan(data: bytes, name: str, stream: bool, bytes_only: bool,
         member_limit: int | None = None) -> list[str]:
    from trojanscope.scan import keras_fmt
    from trojanscope.scan.budget import Budget
    from trojanscope.scan.context import Ctx
    from trojanscope.scan.engine import scan_bytes
    from trojanscope.scan.rules import load_policy

    policy = load_policy()
    if stream:
        policy.limits.max_onnx_parse = policy.limits.max_memory_member = 1
    if member_limit is not None:
        policy.limits.max_memory_member = member_limit
    ctx = Ctx(policy, name, budget=Budget.start(policy.limits.max_seconds))
    if bytes_only:  # the byte scan alone, as on an install without h5py
        keras_fmt._byte_scan(ctx, io.BytesIO(data))
    else:
        scan_bytes(ctx, data, name)
    return sorted({f.rule_id for f in ctx.findings})


def byte_scan_seconds(mib: int, seed: int, repeats: int = 3) -> float:
    """Best of ``repeats``: the Keras byte scan over ``mib`` MiB of seeded random bytes."""
    from trojanscope.scan import keras_fmt
    from trojanscope.scan.context import Ctx
    from trojanscope.scan.rules import load_policy

    data = random.Random(seed).randbytes(mib << 20)
    best = float("inf")
    for _ in range(repeats):
        ctx = Ctx(load_policy(), "w.h5")
        start = time.perf_counter()
        keras_fmt._byte_scan(ctx, io.BytesIO(data))
        best = min(best, time.perf_counter() - start)
    return best


def named_probe_seconds(mib: int, seed: int, repeats: int = 3) -> dict[str, float]:
    """Best of ``repeats``: the whole scan of a gzip of ``mib`` MiB of seeded random bytes (no
    HDF5 signature), named ``model.h5.gz`` (probed 64 MiB forward on this branch) and
    ``model.bin.gz`` (1 MiB)."""
    from trojanscope.scan.budget import Budget
    from trojanscope.scan.context import Ctx
    from trojanscope.scan.engine import scan_bytes
    from trojanscope.scan.rules import load_policy

    data = gzip.compress(random.Random(seed).randbytes(mib << 20), compresslevel=1, mtime=0)
    out = {}
    for name in ("model.h5.gz", "model.bin.gz"):
        best = float("inf")
        for _ in range(repeats):
            policy = load_policy()
            ctx = Ctx(policy, name, budget=Budget.start(60))
            start = time.perf_counter()
            scan_bytes(ctx, data, name)
            best = min(best, time.perf_counter() - start)
        out[name] = best
    return out


def built_findings(folder: Path, out: Path) -> None:
    """Every finding on the built corpus (``trojanscope.testing.scan_corpus``), written to
    ``folder`` and scanned: a sorted JSON list of ``[file, member, rule, message]`` (compare
    two checkouts' lists to see that a change moved no finding)."""
    from trojanscope.scan import load_policy, scan_paths
    from trojanscope.testing.scan_corpus import benign_samples, malicious_samples, write_samples

    paths = write_samples(folder / "malicious", malicious_samples(folder / "marker")) + \
        write_samples(folder / "benign", benign_samples())
    report = scan_paths(paths, load_policy())
    rows = sorted({(Path(f.location.file).relative_to(folder).as_posix(), str(f.location.member),
                    f.rule_id, f.message) for f in report.findings})
    out.write_text(json.dumps(rows, indent=0) + "\n")
    print(f"built corpus: {len(paths)} files, {len(rows)} findings")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--mib", type=int, default=64, help="random bytes for the byte-scan timing")
    ap.add_argument("--seed", type=int, default=4301)
    ap.add_argument("--built", type=Path, nargs=2, metavar=("FOLDER", "JSON"),
                    help="also write the built corpus to FOLDER and its findings to JSON")
    args = ap.parse_args()
    import trojanscope

    rows = []
    for family, case, data, name, stream in cases():
        rules = scan(data, name, stream, bytes_only=family == "keras-bytes",
                     member_limit=4096 if family == "tar-large" else None)
        rows.append({"family": family, "case": case, "rules": rules})
        print(f"{family:12s} {case:45s} {' '.join(rules) or '-'}", flush=True)
    seconds = byte_scan_seconds(args.mib, args.seed)
    print(f"byte scan of {args.mib} MiB random bytes: {seconds:.3f} s (best of 3)")
    probe = named_probe_seconds(args.mib, args.seed)
    print("scan of a gzip of the same bytes: " + ", ".join(
        f"{k} {v:.3f} s" for k, v in probe.items()) + " (best of 3)")
    if args.built:
        built_findings(*args.built)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"src": str(Path(trojanscope.__file__).parent),
                                    "rows": rows, "byte_scan": {"mib": args.mib,
                                                                "seed": args.seed,
                                                                "seconds": seconds},
                                    "gzip_scan_seconds": probe},
                                   indent=1) + "\n")


if __name__ == "__main__":
    main()
