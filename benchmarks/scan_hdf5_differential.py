"""Keras ``.h5`` files: does the scanner give a high finding whenever a Keras loader would
deserialize a Lambda layer (code) from the file? (issue 4, stop 42.)

The loader's view is what Keras's HDF5 loader reads, taken with h5py in a child process (the
files are built here, but the mutated ones can crash libhdf5): the root attribute
``model_config``, decoded when it is bytes, parsed as JSON; "would run" means that JSON holds
a layer of class ``Lambda`` with a ``function`` (Keras 2 unmarshals it at load). Nothing is
loaded with Keras (not installed here) and nothing is unmarshalled. Families:

* ``storage``: how the config is stored (variable-length or fixed-length string, bytes,
  a one-element array, a dataset or a subgroup attribute instead, dense attribute storage,
  a 100 kB attribute, JSON escapes in the class name or the key, 100 kB of whitespace
  across the byte scan's 8 MiB chunk boundary, training_config only);
* ``userblock``: the HDF5 file behind a user block of 512 B to 64 KiB holding zeros, a
  pickle, a zip end record, a GGUF header or a ``.npy`` header (libhdf5 finds the superblock
  at 512, 1024, 2048, …);
* ``container``: the file as a zip, tar or gzip member (a user extracts it, then loads it);
* ``mutation``: seeded byte flips, cuts and inserts of two of the files.

Each file is scanned twice: as shipped (byte scan plus the h5py child, h5py being in the
``scan`` extra) and with the byte scan only (h5py hidden, as on an install without it).
Prints one line per family and writes a JSON summary.

    PYTHONPATH=src .venv/bin/python benchmarks/scan_hdf5_differential.py --out /tmp/h5.json
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import pickle
import random
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from trojanscope.report.model import Severity
from trojanscope.scan import keras_fmt, scan_paths
from trojanscope.scan.rules import load_policy

LAMBDA = {"class_name": "Lambda", "config": {"name": "evil", "function": ["e30=", None, None]}}


def config(layers: list[dict[str, Any]] | None = None, pad: int = 0) -> str:
    layers = [LAMBDA] if layers is None else layers
    doc = {"class_name": "Sequential", "config": {"name": "m" + "x" * pad, "layers": layers}}
    return json.dumps(doc)


_LOADER = r"""
import json, sys
import h5py

def runs(node):
    if isinstance(node, dict):
        cfg = node.get("config")
        if node.get("class_name") == "Lambda" and isinstance(cfg, dict) and "function" in cfg:
            return True
        return any(runs(v) for v in node.values())
    if isinstance(node, list):
        return any(runs(v) for v in node)
    return False

try:
    with h5py.File(sys.argv[1], "r") as f:
        value = f.attrs.get("model_config")
        if value is None:
            print("no-config"); sys.exit()
        if hasattr(value, "decode"):
            value = value.decode("utf-8")
        print("runs" if runs(json.loads(value)) else "no-lambda")
except Exception as exc:
    print("refused: " + type(exc).__name__)
"""


def loader_view(path: Path) -> str:
    """What Keras's HDF5 loader would get (h5py in a child: a crash is 'refused')."""
    try:
        done = subprocess.run([sys.executable, "-c", _LOADER, str(path)], capture_output=True,
                              timeout=60, check=False)
    except subprocess.TimeoutExpired:
        return "refused: timeout"
    if done.returncode != 0:
        return f"refused: exit {done.returncode}"
    return done.stdout.decode().strip()


_KEY = b'"layers": [{"class_name"'
_CHUNK = 8 << 20  # keras_fmt's byte-scan chunk


def _spaced(shift: int) -> str:
    """A config whose Lambda key and value are 100 kB of JSON whitespace apart."""
    head = '{"class_name": "Sequential", "config": {"name": "'
    return (head + "p" * ((8 << 20) - 4096 - len(head) + shift) + '", ' + _KEY.decode()[:-1]
            + '"' + " " * 100_000 + ': "Lambda", "config": {"name": "evil", "function": '
            '["e30=", null, null]}}]}}')


def write_h5(path: Path, how: str, userblock: int = 0, block: bytes = b"",
             pad_shift: int = 0) -> Path:
    """One Keras-like .h5 with the Lambda config stored as ``how`` says (``whitespace-over-
    chunk``: written twice, the second time shifted so that the key ends 30 bytes before the
    64 KiB the byte scan carries over its 8 MiB chunk boundary, the value 100 kB after it:
    neither window holds both)."""
    if how == "whitespace-over-chunk" and pad_shift == 0:
        write_h5(path, how, userblock, block, pad_shift=1)
        at = path.read_bytes().find(_KEY) + len(_KEY)
        return write_h5(path, how, userblock, block, pad_shift=1 + _CHUNK - (1 << 16) - 30 - at)
    kw: dict[str, Any] = {"userblock_size": userblock} if userblock else {}
    if how in ("dense", "large", "whitespace-over-chunk"):
        kw["libver"] = "latest"
    with h5py.File(path, "w", **kw) as f:
        f.create_dataset("model_weights/dense/kernel", data=np.arange(16, dtype="f4"))
        cfg = config()
        if how == "vlen-str":
            f.attrs["model_config"] = cfg
        elif how == "fixed-bytes":
            f.attrs["model_config"] = np.bytes_(cfg.encode())
        elif how == "array-of-one":
            f.attrs["model_config"] = np.array([cfg.encode()])
        elif how == "dataset-not-attr":
            f.create_dataset("model_config", data=cfg)
        elif how == "subgroup-attr":
            f["model_weights"].attrs["model_config"] = cfg
        elif how == "dense":
            for i in range(40):
                f.attrs[f"a{i:02d}"] = i
            f.attrs["model_config"] = cfg
        elif how == "large":
            f.attrs["model_config"] = config(pad=100_000)
        elif how == "escaped-class":
            f.attrs["model_config"] = cfg.replace('"Lambda"', '"\\u004cambda"')
        elif how == "escaped-key":
            f.attrs["model_config"] = cfg.replace('"class_name": "Lambda"',
                                                  '"class\\u005fname": "Lambda"')
        elif how == "training-config-only":
            f.attrs["training_config"] = cfg
            f.attrs["model_config"] = config([])
        elif how == "whitespace-over-chunk":
            f.attrs.create("model_config", data=np.bytes_(_spaced(pad_shift).encode()))
        else:
            raise ValueError(how)
    if block:
        with open(path, "r+b") as fh:
            fh.write(block[:userblock])
    return path


STORAGE = ["vlen-str", "fixed-bytes", "array-of-one", "dataset-not-attr", "subgroup-attr",
           "dense", "large", "escaped-class", "escaped-key", "training-config-only",
           "whitespace-over-chunk"]
BLOCKS = {"zeros": b"", "pickle": pickle.dumps({"a": 1}, protocol=2),
          "zip-end": b"PK\x05\x06" + b"\0" * 18, "gguf": b"GGUF\x03\0\0\0" + b"\0" * 16,
          "npy": b"\x93NUMPY\x01\x00v\x00{'descr': '<f4', 'fortran_order': False, "
                 b"'shape': (1,), }" + b" " * 50 + b"\n"}


def build(root: Path, seed: int, mutations: int) -> list[tuple[str, str, Path]]:
    """(family, case, path) of every file, built under ``root``."""
    out: list[tuple[str, str, Path]] = []
    for how in STORAGE:
        out.append(("storage", how, write_h5(root / f"s-{how}.h5", how)))
    for size in (512, 1024, 4096, 65536):
        for label, block in BLOCKS.items():
            path = write_h5(root / f"u-{size}-{label}.h5", "vlen-str", size, block)
            out.append(("userblock", f"{size}/{label}", path))
    plain = (root / "s-vlen-str.h5").read_bytes()
    behind = (root / "u-512-pickle.h5").read_bytes()
    for label, data in (("plain", plain), ("userblock", behind)):
        zbuf = io.BytesIO()
        with zipfile.ZipFile(zbuf, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("model.h5", data)
        tbuf = io.BytesIO()
        with tarfile.open(fileobj=tbuf, mode="w") as tf:
            info = tarfile.TarInfo("model.h5")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
        for kind, blob in (("zip", zbuf.getvalue()), ("tar", tbuf.getvalue()),
                           ("gzip", gzip.compress(data, mtime=0))):
            path = root / f"c-{label}.{kind}"
            path.write_bytes(blob)
            # the loader's view is the extracted member, the same bytes as `data`
            out.append(("container", f"{label}/{kind}", path))
    rng = random.Random(seed)
    for i in range(mutations):
        base = plain if i % 2 == 0 else behind
        data = bytearray(base)
        op = rng.choice(["flip", "cut", "insert"])
        at = rng.randrange(len(data))
        if op == "flip":
            data[at] ^= 1 << rng.randrange(8)
        elif op == "cut":
            del data[at:at + rng.randint(1, 64)]
        else:
            data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        path = root / f"m-{i:04d}.h5"
        path.write_bytes(bytes(data))
        out.append(("mutation", f"{'plain' if i % 2 == 0 else 'userblock'}/{op}@{at}", path))
    return out


def extracted(path: Path, root: Path) -> Path:
    """The file the loader would open: a container's member written out, else the file."""
    name = path.name
    if not name.startswith("c-"):
        return path
    if name.endswith(".zip"):
        data = zipfile.ZipFile(path).read("model.h5")
    elif name.endswith(".tar"):
        with tarfile.open(path) as tf:
            member = tf.extractfile("model.h5")
            assert member is not None
            data = member.read()
    else:
        data = gzip.decompress(path.read_bytes())
    out = root / f"x-{name}.h5"
    out.write_bytes(data)
    return out


def scan(path: Path, byte_scan_only: bool) -> tuple[list[str], bool]:
    """(rule ids, any high-or-worse finding) of the scanner on ``path``."""
    import importlib.util

    real = importlib.util.find_spec
    if byte_scan_only:  # as on an install without h5py
        importlib.util.find_spec = lambda name, *a: None if name == "h5py" else real(name, *a)  # type: ignore[assignment]
    try:
        findings = scan_paths([path], load_policy()).findings
    finally:
        importlib.util.find_spec = real
    rules = sorted({f.rule_id for f in findings})
    return rules, any(f.severity >= Severity.HIGH for f in findings)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=4201)
    ap.add_argument("--mutations", type=int, default=200)
    ap.add_argument("--out", default=None, help="JSON summary to write")
    args = ap.parse_args(argv)
    assert keras_fmt.CHILD_SECONDS > 0
    started = time.monotonic()
    rows = []
    with tempfile.TemporaryDirectory(prefix="h5diff-") as td:
        root = Path(td)
        for family, case, path in build(root, args.seed, args.mutations):
            view = loader_view(extracted(path, root))
            full, full_high = scan(path, False)
            bytes_only, bytes_high = scan(path, True)
            runs = view == "runs"
            rows.append({"family": family, "case": case, "loader": view, "runs": runs,
                         "rules": full, "hidden": runs and not full_high,
                         "rules_byte_scan_only": bytes_only,
                         "hidden_byte_scan_only": runs and not bytes_high,
                         "ts999": "TS999" in full or "TS999" in bytes_only})
    families: dict[str, dict[str, Any]] = {}
    for r in rows:
        fam = families.setdefault(r["family"], {"cases": 0, "runs": 0, "hidden": [],
                                                 "hidden_byte_scan_only": [], "ts999": 0})
        fam["cases"] += 1
        fam["runs"] += r["runs"]
        fam["ts999"] += r["ts999"]
        for key in ("hidden", "hidden_byte_scan_only"):
            if r[key]:
                fam[key].append(r["case"])
    for name, fam in families.items():
        print(f"{name}: {fam['cases']} cases, loader runs the Lambda in {fam['runs']}, hidden "
              f"{len(fam['hidden'])} (byte scan only: {len(fam['hidden_byte_scan_only'])}), "
              f"TS999 {fam['ts999']}; hidden: {fam['hidden'][:6]}, byte scan only: "
              f"{fam['hidden_byte_scan_only'][:6]}")
    summary = {"seed": args.seed, "mutations": args.mutations,
               "seconds": round(time.monotonic() - started, 1), "families": families,
               "rows": rows}
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(summary, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
