"""Does ``io.onnx_header.onnx_input_shape`` (the protobuf read without importing onnx) answer
what the loader's ``infer_input_shape`` answers after ``onnx.load``? (issue 15, stop 66: hcmd)

Reads every path listed in LIST (one ``.onnx`` file a line) both ways and prints one line per
file (``OK``/``BAD``, the loader's shape, the header's, the header's time), then a count. A
file ``onnx.load`` refuses counts as agreeing where the header read gives None.

    python benchmarks/onnx_header_check.py LIST
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from _common import fail, run_main


def main() -> None:
    if len(sys.argv) != 2:
        fail("usage: onnx_header_check.py LIST")
    import onnx

    from trojanscope.io.onnx_header import onnx_input_shape
    from trojanscope.io.onnx_import import infer_input_shape

    bad = total = 0
    for line in Path(sys.argv[1]).read_text(encoding="utf-8").splitlines():
        path = line.strip()
        if not path:
            continue
        try:
            expected: object = infer_input_shape(onnx.load(path, load_external_data=False))
        except Exception as exc:
            expected = f"refused ({type(exc).__name__})"
        start = time.perf_counter()
        got = onnx_input_shape(path)
        took = time.perf_counter() - start
        same = got == expected or (isinstance(expected, str) and got is None)
        bad += not same
        total += 1
        print(f"{'OK ' if same else 'BAD'} {expected} {got} {1000 * took:.1f} ms {path}")
    print(f"{total - bad} of {total} agree")


if __name__ == "__main__":
    run_main(main)
