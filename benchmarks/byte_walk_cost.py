"""Stop 68 (hrev): what telling a file by its bytes costs on large files that are not ONNX.

``io.model_file.model_file_format`` walks a file's top level as an ONNX ``ModelProto`` where its
first byte is ``0x08`` and no producer is named (``io.onnx_header.walks_as_model``). This makes,
under ``OUT``, files that reach that walk or the readers after it: 200 MB of seeded random
bytes whose first byte is ``0x08``; an IR version then one 199 MB graph field of zeros (an
ONNX-shaped top level: the walk skips the field); an IR version then 5,000 empty doc strings
(more top-level fields than the walk reads); a 200 MB safetensors file with no manifest. For
each: the answer of ``model_file_format`` and ``model_kind.model_input``, the wall seconds of
each (the imports paid before), and the reading process's peak memory (a file read whole would show
as 200 MB).

    PYTHONPATH=src python benchmarks/byte_walk_cost.py OUT
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

SIZE = 200_000_000
NAMES = ("random.bin", "graph-field.bin", "doc-strings.bin", "weights.safetensors")


def varint(value: int) -> bytes:
    out = bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        if not value:
            return bytes(out + bytes([low]))
        out.append(low | 0x80)


def make(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    noise = np.random.default_rng(68).integers(0, 256, SIZE, dtype=np.uint8).tobytes()
    files = {"random.bin": b"\x08" + noise[1:],
             "graph-field.bin": b"\x08\x07\x3a" + varint(SIZE - 1_000_000)
             + bytes(SIZE - 1_000_000),
             "doc-strings.bin": b"\x08\x07" + b"\x32\x00" * 5000}
    header = json.dumps({"w": {"dtype": "F32", "shape": [SIZE // 4],
                               "data_offsets": [0, SIZE]}}).encode()
    files["weights.safetensors"] = len(header).to_bytes(8, "little") + header + bytes(SIZE)
    for name, raw in files.items():
        (out / name).write_bytes(raw)
    return [out / name for name in NAMES]


def main() -> None:
    out = Path(sys.argv[1])
    if "--read" not in sys.argv:  # made here, read by a fresh process (its peak memory)
        make(out)
        subprocess.run([sys.executable, __file__, str(out), "--read"], check=True)
        return
    paths = [out / name for name in NAMES]
    from trojanscope.io.model_file import model_file_format
    from trojanscope.io.model_kind import model_input

    for path in paths:  # the imports, paid once (a small file that reaches every reader)
        if path.stat().st_size < 1_000_000:
            model_file_format(path)
            model_input(path)
    for path in paths:
        start = time.perf_counter()
        fmt = model_file_format(path)
        told = time.perf_counter() - start
        start = time.perf_counter()
        kind = model_input(path)
        read = time.perf_counter() - start
        print(f"{path.name} ({path.stat().st_size / 1e6:.0f} MB): format {fmt}, "
              f"{told:.4f} s; model_input {kind}, {read:.4f} s")
        path.unlink()
    status = Path("/proc/self/status").read_text()  # VmHWM: this process's own peak
    peak = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM"))
    print(f"peak memory of the reading process: {peak / 1024:.0f} MB")


if __name__ == "__main__":
    main()
