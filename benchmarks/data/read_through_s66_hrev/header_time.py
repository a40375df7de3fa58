"""Seconds onnx_input_shape takes over every path of LIST (one .onnx a line), best of 3, and a
digest of its answers (two sources with the same digest answered alike on every file).
Run as: PYTHONPATH=SRC python header_time.py LIST"""
import hashlib
import sys
import time

from trojanscope.io.onnx_header import onnx_input_shape

with open(sys.argv[1], encoding="utf-8") as fh:
    paths = [p.strip() for p in fh if p.strip()]
best, answers = float("inf"), []
for _ in range(3):
    start = time.perf_counter()
    answers = [onnx_input_shape(p) for p in paths]
    best = min(best, time.perf_counter() - start)
digest = hashlib.sha256(repr(answers).encode()).hexdigest()[:16]
print(f"{len(paths)} files, best of 3: {best:.3f} s, answers {digest}")
