"""Malformed tar, gzip, bz2, xz, lzma, lz4 and zstd files carrying a pickle payload: does the
scanner give a high finding whenever the real loader would still hand the payload to the
unpickler? (stop 40 review of the fuzz-found fixes; the codecs from stop 41.) Nothing is
unpickled: the loader's view is the bytes ``tarfile``/``gzip`` return when read in blocks,
and "would run" means ``pickletools`` reaches a REDUCE after a global in them. The
bz2/xz/lzma/lz4/zstd families read through the loaders' own file classes and count a payload
in any of the pickles read one after another; lz4 and zstd run only when their packages are
importable. Prints one line per family and writes a JSON summary.

    PYTHONPATH=src .venv/bin/python benchmarks/scan_loader_differential.py --out /tmp/diff.json
"""

from __future__ import annotations

import argparse
import bz2
import gzip
import importlib.util
import io
import json
import lzma
import os
import pickle
import pickletools
import random
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from trojanscope.scan.budget import Budget
from trojanscope.scan.context import Ctx
from trojanscope.scan.engine import scan_bytes
from trojanscope.scan.rules import load_policy
from trojanscope.testing.scan_corpus import Gadget

PAYLOAD = pickle.dumps(Gadget(os.system, ("true",)), protocol=2)


def would_run(data: bytes) -> bool:
    """Would the first pickle in ``data`` reach REDUCE after a global (parsed, not run)?"""
    seen = False
    try:
        for op, _, _ in pickletools.genops(io.BytesIO(data)):
            seen = seen or op.name in ("GLOBAL", "STACK_GLOBAL")
            if op.name == "REDUCE" and seen:
                return True
            if op.name == "STOP":
                return False
    except Exception:  # a damaged pickle stops the loader the same way
        return False
    return False


def would_run_any(data: bytes) -> bool:
    """Would any pickle of ``data``, read one after another (torch's legacy format reads
    four), reach REDUCE after a global the unpickler can resolve? Unlike ``pickletools``, the
    unpickler refuses a PROTO over 5 and a GLOBAL of a module that cannot be found."""
    f = io.BytesIO(data)
    while f.tell() < len(data):
        seen, start = False, f.tell()
        try:
            for op, arg, _ in pickletools.genops(f):
                if op.name == "PROTO" and arg > pickle.HIGHEST_PROTOCOL:
                    return False
                if op.name == "GLOBAL":
                    top = str(arg).split(" ")[0].split(".")[0]
                    if not top.isidentifier() or importlib.util.find_spec(top) is None:
                        return False
                seen = seen or op.name in ("GLOBAL", "STACK_GLOBAL")
                if op.name == "REDUCE" and seen:
                    return True
        except Exception:
            return False
        if f.tell() == start:
            return False
    return False


def blocks(f: io.BufferedIOBase, size: int = 1) -> bytes:
    """What a loader reading ``f`` gets before its first error (buffered: 8 KiB raw reads)."""
    out = b""
    try:
        while chunk := f.read(size):
            out += chunk
    except Exception:  # the loader's error comes after these bytes
        pass
    return out


def tar_bytes(members: list[tuple[str, bytes]], sizes: dict[int, bytes]) -> bytes:
    """A ustar archive whose member ``i`` gets the 12-byte size field ``sizes[i]``."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tf:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    out, at, heads = bytearray(buf.getvalue()), 0, []
    for _, data in members:
        heads.append(at)
        at += 512 + -(-len(data) // 512) * 512
    for i, field in sizes.items():
        h = heads[i]
        out[h + 124:h + 136] = field
        out[h + 148:h + 156] = b" " * 8
        out[h + 148:h + 156] = b"%06o\0 " % (sum(out[h:h + 512]) & 0o777777)
    return bytes(out)


def tar_loader_view(data: bytes, tmp: Path) -> list[bytes]:
    path = tmp / "case.tar"
    path.write_bytes(data)
    seen = []
    try:
        with tarfile.open(path) as tf:
            for m in tf:
                stream = tf.extractfile(m) if m.isfile() else None
                if stream is not None:
                    seen.append(blocks(stream))
    except (tarfile.TarError, ValueError, OverflowError):  # the loader stops here too
        pass
    return seen


def tar_cases() -> Iterator[tuple[str, bytes]]:
    fields = {"base256-huge": b"\x80" + b"\xff" * 11, "8GiB": b"77777777777\0"}
    for layout, members in {"payload-first": [("a.pkl", PAYLOAD), ("b.txt", b"hello")],
                            "payload-second": [("a.txt", b"x" * 3000), ("b.pkl", PAYLOAD)]
                            }.items():
        sizes = dict(fields)
        for extra in (1, 600, 20_000, 700_000, 300 << 20):
            sizes[f"+{extra}"] = b"%011o\0" % (len(members[0][1]) + extra)
        for label, field in sizes.items():
            for target in (0, 1):
                yield f"{layout}/{label}/member{target}", tar_bytes(members, {target: field})


def sparse_cases() -> Iterator[tuple[str, bytes]]:
    """One old-GNU sparse member ('S', one data region) holding the payload and 20 kB, its
    declared size honest or running past the end."""
    body = PAYLOAD + b"." * 20_000
    for label, stored in (("honest", len(body)), ("100kB", 100_000), ("8GiB", (1 << 33) - 1)):
        h = bytearray(512)
        h[0:5] = b"a.pkl"
        h[100:124] = b"0000644\x000000000\x000000000\x00"
        h[124:136] = b"%011o\x00" % stored
        h[136:148] = b"00000000000\x00"
        h[156:157] = b"S"
        h[257:265] = b"ustar  \x00"
        h[386:410] = b"%011o\x00%011o\x00" % (0, stored)
        h[483:495] = b"%011o\x00" % stored
        h[148:156] = b" " * 8
        h[148:156] = b"%06o\x00 " % (sum(h) & 0o777777)
        end = b"\x00" * 1024 if label == "honest" else b""
        yield f"sparse/{label}", bytes(h) + body + b"\x00" * (-len(body) % 512) + end


def gzip_cases() -> Iterator[tuple[str, bytes]]:
    bad = gzip.compress(PAYLOAD, mtime=0)
    benign = gzip.compress(pickle.dumps({"w": list(range(50))}, protocol=2), mtime=0)
    for layout, parts in {"one": [bad], "four": [bad] * 4, "benign+payload": [benign, bad]
                          }.items():
        base = b"".join(parts)
        for pos in range(len(base) + 1):
            yield f"{layout}/insert@{pos}", base[:pos] + b"\x7a\xf5" + base[pos:]
            yield f"{layout}/cut@{pos}", base[:pos]
            if pos < len(base):
                yield f"{layout}/flip@{pos}", base[:pos] + bytes([base[pos] ^ 0x55]) + \
                    base[pos + 1:]


CODECS = ("bz2", "xz", "lzma", "lz4", "zstd")


def _codec(kind: str) -> tuple[Callable[[bytes], bytes], Callable[[io.BytesIO], Any]] | None:
    """(compress, the loader's file class) for ``kind``; None when its package is missing."""
    if kind in ("bz2", "xz", "lzma"):
        if kind == "bz2":
            return bz2.compress, bz2.BZ2File
        fmt = lzma.FORMAT_XZ if kind == "xz" else lzma.FORMAT_ALONE
        return (lambda d: lzma.compress(d, format=fmt)), lzma.LZMAFile
    try:
        if kind == "lz4":
            import lz4.frame

            return lz4.frame.compress, lz4.frame.LZ4FrameFile
        from trojanscope.scan.compressed import _optional

        zstd = _optional("compression.zstd", "backports.zstd")
        if zstd is None:
            return None
        return zstd.compress, zstd.ZstdFile
    except ImportError:
        return None


def codec_cases(kind: str) -> Iterator[tuple[str, bytes]]:
    """The payload alone (a mutation at every offset), the payload then 300 kB of random bytes
    (a mutation every 2,999 bytes and in the last 64), and a benign stream then the payload's
    (frames, members or streams concatenated, as the loaders' file classes read them)."""
    compress = _codec(kind)[0]  # type: ignore[index]
    filler = random.Random(4141).randbytes(300_000)
    benign = compress(pickle.dumps({"w": list(range(50))}, protocol=2))
    for layout, base in (("one", compress(PAYLOAD)), ("big", compress(PAYLOAD + filler)),
                         ("benign+payload", benign + compress(PAYLOAD))):
        offsets = range(len(base) + 1) if layout != "big" else sorted(
            set(range(0, len(base), 2999)) | set(range(len(base) - 64, len(base) + 1)))
        if layout == "benign+payload":
            yield f"{layout}/whole", base
        for pos in offsets:
            yield f"{layout}/insert@{pos}", base[:pos] + b"\x7a\xf5" + base[pos:]
            yield f"{layout}/cut@{pos}", base[:pos]
            if pos < len(base):
                yield f"{layout}/flip@{pos}", base[:pos] + bytes([base[pos] ^ 0x55]) + \
                    base[pos + 1:]


def high_finding(data: bytes, name: str) -> tuple[bool, list[str]]:
    ctx = Ctx(load_policy(), "diff")
    scan_bytes(ctx, data, name)
    return any(f.severity >= 3 for f in ctx.findings), sorted({f.rule_id for f in ctx.findings})


def stop_bytes_timing(mib: int = 4) -> dict[str, object]:
    """The payload then ``mib`` MiB of STOP bytes (one-opcode pickles back to back), scanned
    under the policy's own time limit: seconds taken and whether TS182 says where it stopped."""
    import time

    policy = load_policy()
    ctx = Ctx(policy, "diff", budget=Budget.start(policy.limits.max_seconds))
    started = time.monotonic()
    scan_bytes(ctx, PAYLOAD + b"." * (mib << 20), "a.pkl")
    rules = sorted({f.rule_id for f in ctx.findings})
    return {"mib": mib, "limit_s": policy.limits.max_seconds,
            "seconds": round(time.monotonic() - started, 1), "rules": rules}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="JSON summary")
    ap.add_argument("--only-codecs", action="store_true",
                    help="the bz2/xz/lzma/lz4/zstd families only (no tar, gzip, STOP timing)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:  # the tar files the loader opens by path
        summary = differential(Path(tmp), tar_gzip=not args.only_codecs)
    if not args.only_codecs:
        summary["stop_bytes"] = stop_bytes_timing()
        print(f"payload + 4 MiB of STOP bytes: {summary['stop_bytes']}")
    Path(args.out).write_text(json.dumps(summary, indent=1) + "\n")
    return 0


def differential(tmp: Path, tar_gzip: bool = True) -> dict[str, dict]:
    """One summary row per family (see the module docstring)."""
    summary: dict[str, dict] = {}
    for family, cases, name in (("tar", tar_cases(), "t.tar"),
                                ("tar-sparse", sparse_cases(), "t.tar"),
                                ("gzip", gzip_cases(), "m.pkl.gz"))[:3 if tar_gzip else 0]:
        def runs(data: bytes, family: str = family) -> bool:
            views = tar_loader_view(data, tmp) if family.startswith("tar") else \
                [blocks(gzip.GzipFile(fileobj=io.BytesIO(data)), 8192)]
            return any(would_run(v) for v in views)

        summary[family] = _row(family, cases, name, runs)
    for kind in CODECS:
        codec = _codec(kind)
        if codec is None:
            print(f"{kind}: its package is not installed, not run")
            continue
        opener = codec[1]
        summary[kind] = _row(kind, codec_cases(kind), f"m.pkl.{kind}", lambda data, o=opener:
                             would_run_any(blocks(o(io.BytesIO(data)), 8192)))
    return summary


def _row(family: str, cases: Iterator[tuple[str, bytes]], name: str,
         runs: Callable[[bytes], bool]) -> dict[str, Any]:
    """Scan every case; count where the loader runs the payload and no high finding came."""
    row: dict[str, Any] = {"cases": 0, "loader_runs_payload": 0, "hidden": 0, "ts999": 0,
                           "hidden_cases": []}
    for label, data in cases:
        loader_runs = runs(data)
        flagged, rules = high_finding(data, name)
        row["cases"] += 1
        row["loader_runs_payload"] += loader_runs
        row["ts999"] += "TS999" in rules
        if loader_runs and not flagged:
            row["hidden"] += 1
            row["hidden_cases"].append([label, rules])
    _report(family, row)
    return row


def _report(family: str, row: dict) -> None:
    print(f"{family}: {row['cases']} cases, loader runs the payload in "
          f"{row['loader_runs_payload']}, hidden (no high finding) {row['hidden']}, "
          f"TS999 {row['ts999']}", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
