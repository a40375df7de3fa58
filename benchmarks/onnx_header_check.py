"""Does ``io.onnx_header.onnx_input_shape`` (the protobuf read without importing onnx) answer
what the loader's ``infer_input_shape`` answers after ``onnx.load``? (issue 15, stop 66: hcmd)
And (stop 67) are the ``ai.onnx.ml`` operators it names (``read_header(path).classical``)
exactly the loader's refusal, word for word, where it names any? (Stop 68: a graph whose
probability branch the loader reads, a scikit-learn ``MLPClassifier``'s, has none named.)

Reads every path listed in LIST (one ``.onnx`` file a line) both ways and prints one line per
file (``OK``/``BAD``, the loader's shape, the header's, the header's time, and for a graph with
any ``ai.onnx.ml`` node what the early read and the loader said), then a count. A file
``onnx.load`` refuses counts as agreeing where the header read gives None. For the operators,
``load_onnx`` is run only on graphs with an ``ai.onnx.ml`` node (elsewhere the header must name
none): BAD where the header names operators and the loader does not refuse in those words
(``early-only``: the one outcome that would refuse a file early the loader reads, or say it in
other words); ``late-only`` (the loader refuses for them, the header is unsure) is counted
apart, not a disagreement.

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

    from trojanscope.io.onnx_header import ML_DOMAIN, classical_words, read_header
    from trojanscope.io.onnx_import import infer_input_shape

    bad = total = late_only = named = 0
    for line in Path(sys.argv[1]).read_text(encoding="utf-8").splitlines():
        path = line.strip()
        if not path:
            continue
        proto = None
        try:
            proto = onnx.load(path, load_external_data=False)
            expected: object = infer_input_shape(proto)
        except Exception as exc:
            expected = f"refused ({type(exc).__name__})"
        start = time.perf_counter()
        header = read_header(path)
        took = time.perf_counter() - start
        got = None if header is None else header.shape
        same = got == expected or (isinstance(expected, str) and got is None)
        ops = "" if header is None else header.classical
        note = ""
        if proto is not None and any(n.domain == ML_DOMAIN for n in proto.graph.node):
            said = _loader_says(path)
            late = said == classical_words(path, ops) if ops else said.startswith(
                classical_words(path, ["X"]).split("(")[0])
            named += bool(ops)
            same = same and (late or not ops)
            late_only += bool(late and not ops)
            loader = ("same words" if ops and late else "refused for them (late-only)" if late
                      else "reads its probability branch" if not said  # stop 68
                      else said[len(path) + 2:][:60])
            note = f" | ml: early {len(ops)} op(s), loader {loader}"
        elif ops:
            same = False  # operators named where the graph holds no ai.onnx.ml node
        bad += not same
        total += 1
        print(f"{'OK ' if same else 'BAD'} {expected} {got} {1000 * took:.1f} ms {path}{note}")
    print(f"{total - bad} of {total} agree; the operators named early on {named} file(s), "
          f"each the loader's words; late-only {late_only}")


def _loader_says(path: str) -> str:
    """The loader's refusal of ``path``, or '' where it reads it."""
    from trojanscope.errors import UserInputError
    from trojanscope.io.onnx_import import load_onnx

    try:
        load_onnx(path)
    except UserInputError as exc:
        return str(exc)
    return ""


if __name__ == "__main__":
    run_main(main)
