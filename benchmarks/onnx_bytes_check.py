"""Stop 68: an ONNX file told by its bytes where no producer names pytorch or onnx
(``io.model_file.model_file_format``, ``io.onnx_header.walks_as_model``), checked both ways
on files at hand: every ``.onnx`` file, renamed (read from a copy named ``model.bin``), should
be ONNX (or a torch zip named ``.onnx``); no other file should be.

    PYTHONPATH=src python benchmarks/onnx_bytes_check.py DIR [DIR ...] > OUT.txt
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from trojanscope.io.model_file import looks_like_onnx, model_file_format

MAX_BYTES = 64 << 20  # larger files are left out (a copy each)


def main(folders: list[str]) -> None:
    files = sorted({Path(root) / name for folder in folders for root, _, names in
                    os.walk(folder) for name in names})
    files = [f for f in files if f.is_file() and not f.is_symlink()
             and f.stat().st_size <= MAX_BYTES]
    onnx_files = [f for f in files if f.suffix.lower() == ".onnx"]
    others = [f for f in files if f.suffix.lower() != ".onnx"]
    renamed: Counter[str] = Counter()
    by_walk = 0
    missed = []
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "model.bin"
        for f in onnx_files:
            shutil.copyfile(f, copy)
            fmt = model_file_format(copy)
            renamed[str(fmt)] += 1
            head = f.read_bytes()[:64]
            by_walk += fmt == "onnx" and not looks_like_onnx(head)
            if fmt != "onnx" and fmt != "zip":
                missed.append(str(f))
    renamed_s = time.perf_counter() - start
    start = time.perf_counter()
    wrong = [str(f) for f in others if model_file_format(f) == "onnx"]
    others_s = time.perf_counter() - start
    print(f".onnx files read renamed model.bin: {len(onnx_files)}; as: {dict(renamed)}; "
          f"told by the walk (no producer in the first 64 bytes): {by_walk}; "
          f"{renamed_s:.1f} s")
    print(f"missed (not ONNX, not a zip): {len(missed)}")
    for name in missed[:20]:
        print(f"  {name}")
    print(f"other files: {len(others)}; told ONNX: {len(wrong)}; {others_s:.1f} s")
    for name in wrong[:20]:
        print(f"  {name}")


if __name__ == "__main__":
    main(sys.argv[1:])
