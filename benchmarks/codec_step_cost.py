"""Time cost of the 512-byte output steps of ``DecompressStream`` (review hR1, stop 41).

Reads a benign stream and a zero bomb through the scanner's capped decompressor, once with
``compressed.STEP`` as shipped and once with 64 KiB steps, best of ``--repeat`` runs, and
reports seconds and MB/s per codec, plus where each bomb stopped (BombError at the cap).

    PYTHONPATH=src OMP_NUM_THREADS=1 nice -n 5 .venv/bin/python benchmarks/codec_step_cost.py \
        --mb 16 --out benchmarks/data/codec_step_s41/step_cost.json
"""

from __future__ import annotations

import argparse
import bz2
import io
import json
import lzma
import pickle
import random
import time
from collections.abc import Callable

from trojanscope.scan import compressed
from trojanscope.scan.compressed import BombError, DecompressStream
from trojanscope.scan.context import Ctx
from trojanscope.scan.engine import scan_bytes
from trojanscope.scan.rules import load_policy


def _codecs() -> dict[str, Callable[[bytes], bytes]]:
    out: dict[str, Callable[[bytes], bytes]] = {
        "xz": lambda d: lzma.compress(d, preset=1), "bzip2": lambda d: bz2.compress(d, 1)}
    lz4 = compressed._optional("lz4.frame")
    if lz4 is not None:
        out["lz4"] = lz4.compress
    zstd = compressed._optional("compression.zstd", "backports.zstd")
    if zstd is not None:
        out["zstd"] = zstd.compress
    return out


def _read(data: bytes, kind: str, max_out: int, min_bomb: int) -> tuple[float, int, str]:
    stream = DecompressStream(io.BytesIO(data), kind, max_out=max_out, min_bomb=min_bomb)
    started, total, how = time.perf_counter(), 0, "end"
    try:
        while chunk := stream.read(8192):  # what a loader's buffered reader asks for
            total += len(chunk)
    except BombError:
        how = "BombError"
    return time.perf_counter() - started, total, how


def _scan(data: bytes, name: str) -> tuple[float, list[str]]:
    """A whole scan of ``data`` (decompression and the pickle walk): seconds, rules found."""
    ctx = Ctx(load_policy(), name)
    started = time.perf_counter()
    scan_bytes(ctx, data, name)
    return time.perf_counter() - started, sorted({f.rule_id for f in ctx.findings})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=int, default=16, help="benign stream size (MB)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=4141)
    ap.add_argument("--out", default="")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    block = rng.randbytes(4096)
    benign = b"".join(block[rng.randrange(2048):] for _ in range(args.mb * 1024 * 1024 // 3072))
    zeros = bytes(4 * args.mb << 20)  # a bomb: stops at the ratio cap (min_bomb = mb MiB)
    rows = []
    shipped = compressed.STEP
    for kind, compress in _codecs().items():
        inputs = {"benign": compress(benign), "bomb": compress(zeros)}
        for label, data in inputs.items():
            row: dict = {"codec": kind, "input": label, "compressed_bytes": len(data)}
            for step in (shipped, 1 << 16):
                compressed.STEP = step
                best = min(_read(data, kind, 1 << 40, args.mb << 20)
                           for _ in range(args.repeat))
                row[f"step_{step}"] = {"seconds": round(best[0], 3), "output": best[1],
                                       "ended": best[2],
                                       "MB_per_s": round(best[1] / 1e6 / max(best[0], 1e-9), 1)}
            if label == "benign":  # the same bytes as a pickle, scanned whole
                pickled = compress(pickle.dumps({"w": benign}, protocol=4))
                for step in (shipped, 1 << 16):
                    compressed.STEP = step
                    took = min(_scan(pickled, f"m.pkl.{kind}") for _ in range(args.repeat))
                    row[f"scan_step_{step}"] = {"seconds": round(took[0], 3), "rules": took[1]}
            compressed.STEP = shipped
            row["slowdown"] = round(row[f"step_{shipped}"]["seconds"]
                                    / max(row["step_65536"]["seconds"], 1e-9), 2)
            rows.append(row)
            print(json.dumps(row))
    if args.out:
        with open(args.out, "w") as f:
            json.dump({"mb": args.mb, "repeat": args.repeat, "seed": args.seed, "rows": rows}, f,
                      indent=1)


if __name__ == "__main__":
    main()
