"""The evasion corpus: one family per bypass class of the scanner's hardening issue (dotted
names through allowlisted modules, format sniffing, parser differences, unreadable content,
evaluators in no list). Every payload is an inert marker (``touch MARKER``); each sample says
which real loader runs it, so a test can load it in a subprocess, see the marker appear, and
then require the scanner to flag the file (high or critical). Nothing here ever loads them.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import pickle
import random
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from trojanscope.testing.scan_corpus import Gadget, call_pickle, sbu, shell

LOADERS = ("pickle", "torch", "joblib", "numpy")


@dataclass(frozen=True)
class Evasion:
    family: str
    name: str  # file name (may include a folder)
    data: bytes
    loader: str | None  # the real loader that runs the payload; None: no loader can here


def _body(module: str, name: str, arg: str) -> bytes:
    """A protocol-4 call pickle without its PROTO header."""
    return call_pickle(module, name, arg)[2:]


def _binbytes(data: bytes) -> bytes:
    return b"B" + struct.pack("<I", len(data)) + data


def _torch_zip(payload: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("archive/data.pkl", payload)
        zf.writestr("archive/byteorder", b"little")
        zf.writestr("archive/version", b"3\n")
        zf.writestr("archive/.data/serialization_id", b"0" * 40)
    return buf.getvalue()


def _npy_py2_long(body: bytes) -> bytes:
    header = b"{'descr': '|O', 'fortran_order': False, 'shape': (1L,), }"
    header += b" " * (63 - (10 + len(header)) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + body


def _joblib_compressed(raw: bytes, method: str) -> bytes:
    """What joblib.dump(obj, compress=method) writes: the pickle through that compressor."""
    if method == "zlib":
        return zlib.compress(raw, 3)
    if method == "gzip":
        return gzip.compress(raw, 3)
    if method == "bz2":
        return bz2.compress(raw, 3)
    if method == "xz":
        return lzma.compress(raw, format=lzma.FORMAT_XZ)
    return lzma.compress(raw, format=lzma.FORMAT_ALONE)


def evasion_samples(marker_dir: Path, flood: int = 50_000) -> list[Evasion]:
    """The corpus; sample ``name``'s payload would create ``marker_dir/<stem>.ran``.
    ``flood`` is the NONE/POP count of the opcode-flood sample (the issue used 20 million)."""
    out: list[Evasion] = []

    def cmd(name: str) -> str:
        return shell(marker_dir / (Path(name).name.split(".")[0] + ".ran"))

    def add(family: str, name: str, data: bytes, loader: str | None) -> None:
        out.append(Evasion(family, name, data, loader))

    # 1. allowlisted module + dotted attribute name = a module it imported
    n = "sklearn_os_system.pkl"
    add("dotted-name", n, b"\x80\x04" + _body("sklearn", "os.system", cmd(n)), "pickle")
    n = "hub/model.joblib"
    add("dotted-name", n, b"\x80\x04" + _body("sklearn", "os.system", cmd(n)), "joblib")
    n = "torch_inspect_os.pkl"
    add("dotted-name", n, b"\x80\x04" + _body("torch.nn.modules.module", "inspect.os.system",
                                               cmd(n)), "pickle")
    n = "scipy_nested_loads.pkl"
    inner = pickle.dumps(Gadget(os.system, (cmd(n),)), protocol=2)
    add("dotted-name", n, b"\x80\x04" + sbu("scipy.sparse._base")
        + sbu("np.lib._format_impl.pickle.loads") + b"\x93" + _binbytes(inner) + b"\x85R.",
        "pickle")

    # 2. magic bytes of another format, swallowed by an opcode argument
    n = "gguf_binfloat.pkl"
    add("sniffing", n, b"GGUF\x03\x00\x00\x00\x00" + b"0" + _body("os", "system", cmd(n)),
        "pickle")
    n = "bzip2_binbytes.pkl"
    length = int.from_bytes(b"Zh1\x00", "little")
    add("sniffing", n, b"BZh1\x00" + b"\0" * length + b"0" + _body("os", "system", cmd(n)),
        "pickle")
    n = "newtrue_start.pkl"
    add("sniffing", n, b"\x88" + b"0" + _body("os", "system", cmd(n)), "pickle")
    n = "no_proto.pkl"
    add("sniffing", n, _body("os", "system", cmd(n)), "pickle")
    n = "ustar_at_257.pkl"
    filler = bytearray(300)
    filler[250:255] = b"ustar"
    add("sniffing", n, b"\x80\x04" + _binbytes(bytes(filler)) + b"0"
        + _body("os", "system", cmd(n)), "pickle")
    n = "torch_zip_gguf_data.pt"
    add("sniffing", n, _torch_zip(b"GGUF\x03\x00\x00\x00\x00" + b"0"
                                  + _body("os", "system", cmd(n))), "torch")
    n = "torch_zip_no_proto.pt"
    add("sniffing", n, _torch_zip(b"\x88" + b"0" + _body("os", "system", cmd(n))), "torch")

    # 3. parser differences: what CPython accepts and a stricter parser stops at
    n = "int_base0.pkl"
    add("parser", n, b"\x80\x04I0x1\n0" + _body("os", "system", cmd(n)), "pickle")
    n = "long_base0.pkl"
    add("parser", n, b"\x80\x04L0x10L\n0" + _body("os", "system", cmd(n)), "pickle")
    n = "int_octal.pkl"
    add("parser", n, b"\x80\x04I010\n0" + _body("os", "system", cmd(n)), "pickle")
    n = "long_unicode_line.pkl"
    add("parser", n, b"\x80\x04V" + b"a" * 70_000 + b"\n0" + _body("os", "system", cmd(n)),
        "pickle")
    n = "none_pop_flood.pkl"
    add("parser", n, b"\x80\x04" + b"N0" * flood + _body("os", "system", cmd(n)), "pickle")
    n = "frame_crossing.pkl"  # a GLOBAL line that starts in a FRAME and ends after it
    add("parser", n, b"\x80\x04\x95" + struct.pack("<Q", 2) + b"co" + b"s\nsystem\n"
        + sbu(cmd(n)) + b"\x85R.", "pickle")
    n = "npy_py2_long.npy"
    add("parser", n, _npy_py2_long(pickle.dumps(Gadget(os.system, (cmd(n),)), protocol=2)),
        "numpy")

    # 4. compressed the way joblib writes it, and a format that may not be openable here
    for method in ("zlib", "gzip", "bz2", "xz", "lzma"):
        n = f"joblib_{method}.joblib"
        raw = pickle.dumps(Gadget(os.system, (cmd(n),)), protocol=4)
        add("compressed", n, _joblib_compressed(raw, method), "joblib")
    add("compressed", "lz4_frame.joblib",
        b"\x04\x22\x4d\x18" + b"\x64\x40\xa7" + random.Random(0).randbytes(64), None)

    # 5. evaluators in third-party packages
    n = "sympy_sympify.pkl"
    add("evaluator", n, call_pickle("sympy", "sympify", f"__import__('os').system({cmd(n)!r})"),
        "pickle")
    n = "sympy_parse_expr.pkl"
    add("evaluator", n, call_pickle("sympy.parsing.sympy_parser", "parse_expr",
                                    f"__import__('os').system({cmd(n)!r})"), "pickle")
    return out


def write_evasion(folder: Path, samples: list[Evasion]) -> list[Path]:
    paths = []
    for s in samples:
        path = folder / s.name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(s.data)
        paths.append(path)
    return paths


# Loads each file given on the command line with its real loader (run in a subprocess, in a
# throwaway folder, by the tests and the benchmark; never by the scanner).
LOADER_SCRIPT = """
import sys
loader = sys.argv[1]
for path in sys.argv[2:]:
    try:
        if loader == "pickle":
            import pickle
            with open(path, "rb") as fh:
                pickle.load(fh)
        elif loader == "torch":
            import torch
            torch.load(path, weights_only=False)
        elif loader == "joblib":
            import joblib
            joblib.load(path)
        elif loader == "numpy":
            import numpy
            numpy.load(path, allow_pickle=True)
    except Exception:
        pass
"""


__all__ = ["LOADERS", "LOADER_SCRIPT", "Evasion", "evasion_samples", "write_evasion"]
