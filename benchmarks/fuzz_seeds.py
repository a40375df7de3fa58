"""Seed inputs for ``benchmarks/fuzz_scanner.py``: one small valid (or deliberately hostile) file
per format the scanner reads, built in memory, plus Hugging Face folders as name → bytes maps.

Built from the scanner's own sample corpus (:mod:`trojanscope.testing.scan_corpus`, the evasion
corpus) and from the seeds of ``tests/scan/test_scan_fuzz.py``, with the formats those lack
(zip members compressed with bzip2 and LZMA, zlib and ``.lzma`` streams, TorchScript, GGUF, HF
folders packed as tar and zip, nested archives). Every payload is the corpus's inert marker.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import io
import json
import lzma
import pickle
import struct
import tarfile
import tempfile
import zipfile
import zlib
from pathlib import Path

from trojanscope.testing.scan_corpus import (
    Gadget,
    benign_samples,
    malicious_samples,
    safetensors_bad,
    zip_bytes,
)

_SKIP = {"zip_bomb.zip"}  # 2 GiB of zeros: seconds to build, and its scan is a fixed cost


def _tar_bytes(members: dict[str, bytes], mode: str = "w") -> bytes:
    """A tar with fixed mtimes and owners, so the seed is the same on every run."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode, format=tarfile.USTAR_FORMAT) as tf:  # type: ignore[call-overload]
        for name, data in sorted(members.items()):
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), 0
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _gguf() -> bytes:
    """A GGUF v3 header: one string key/value, one tensor of 4 float32, aligned data."""
    def gstr(s: str) -> bytes:
        return struct.pack("<Q", len(s)) + s.encode()

    kv = gstr("general.architecture") + struct.pack("<I", 8) + gstr("llama")
    tensor = gstr("w") + struct.pack("<I", 1) + struct.pack("<Q", 4) + struct.pack("<IQ", 0, 0)
    head = b"GGUF" + struct.pack("<IQQ", 3, 1, 1) + kv + tensor
    return head + b"\0" * (-len(head) % 32) + b"\0" * 16


def _torchscript() -> bytes:
    import torch

    class Tiny(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x * 2 + 1

    buf = io.BytesIO()
    torch.jit.save(torch.jit.script(Tiny()), buf)
    return buf.getvalue()


def _hf_folder(tmp: Path) -> dict[str, bytes]:
    from trojanscope.testing.hf_corpus import write_benign

    folder = write_benign(tmp / "hf")
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def _hf_trick(tmp: Path, name: str) -> dict[str, bytes]:
    from trojanscope.testing.hf_corpus import write_trick

    folder = tmp / f"hf-{name}"
    write_trick(folder, name)
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.is_symlink()}


def _optional_codecs(data: bytes, torch_zip: bytes) -> dict[str, bytes]:
    """lz4 and zstd seeds (a pickle, a torch zip, one inside a tar) when their packages are
    importable: the scanner opens these formats only then, so only then are they fuzzed."""
    out: dict[str, bytes] = {}
    with contextlib.suppress(ImportError):
        import lz4.frame

        out["lz4_pickle.lz4"] = lz4.frame.compress(data)
        out["lz4_torch.pt.lz4"] = lz4.frame.compress(torch_zip)
        out["lz4_in_tar.tar"] = _tar_bytes({"model.pkl.lz4": out["lz4_pickle.lz4"]})
    try:
        from compression import zstd  # type: ignore[import-not-found]
    except ImportError:
        try:
            from backports import zstd  # type: ignore[no-redef]
        except ImportError:
            return out
    out["zstd_pickle.zst"] = zstd.compress(data)
    out["zstd_torch.pt.zst"] = zstd.compress(torch_zip)
    out["zstd_in_tar.tar"] = _tar_bytes({"model.pkl.zst": out["zstd_pickle.zst"]})
    return out


# seeds the fuzzer scans with max_onnx_parse = 1 (the streaming reader)
STREAM_ONNX = "onnx_stream_"


def _tree_models() -> dict[str, bytes]:
    """A LightGBM text model (one numeric and one categorical feature) and an XGBoost model as
    JSON and UBJSON, trained on 64 fixed rows: the tree formats' seeds (needs the tabular
    extra; without it these formats are not fuzzed)."""
    import numpy as np

    rng = np.random.default_rng(0)
    x = np.column_stack([rng.normal(size=64), rng.integers(0, 4, size=64)])
    y = (x[:, 0] + (x[:, 1] == 2) > 0.5).astype(int)
    out: dict[str, bytes] = {}
    with contextlib.suppress(ImportError):
        import lightgbm

        params = {"objective": "binary", "num_leaves": 4, "min_data_in_leaf": 2,
                  "verbose": -1, "num_threads": 1, "seed": 0, "deterministic": True}
        data = lightgbm.Dataset(x, y, categorical_feature=[1], free_raw_data=False)
        booster = lightgbm.train(params, data, num_boost_round=3)
        out["lgbm_model.txt"] = booster.model_to_string().encode()
    with contextlib.suppress(ImportError):
        import xgboost

        booster = xgboost.train({"max_depth": 2, "nthread": 1, "seed": 0},
                                xgboost.DMatrix(x, y), num_boost_round=3)
        out["xgb_model.json"] = bytes(booster.save_raw("json"))
        out["xgb_model.ubj"] = bytes(booster.save_raw("ubj"))
        linear = xgboost.train({"booster": "gblinear", "nthread": 1, "seed": 0},
                               xgboost.DMatrix(x, y), num_boost_round=2)
        out["xgb_linear.json"] = bytes(linear.save_raw("json"))
    return out


def _onnx_external() -> dict[str, bytes]:
    """ONNX models whose initializers name external data (inside and outside the folder; one
    sparse, one in a subgraph's node attribute), for the in-memory parse and, under the
    :data:`STREAM_ONNX` prefix, for the streaming wire-format reader."""
    import onnx
    from onnx import TensorProto, helper

    def ext(name: str, location: str) -> TensorProto:
        t = TensorProto(name=name, data_type=TensorProto.FLOAT, dims=[2])
        t.data_location = TensorProto.EXTERNAL
        for k, v in (("location", location), ("offset", "0"), ("length", "8")):
            t.external_data.append(onnx.StringStringEntryProto(key=k, value=v))
        return t

    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])
    sub = helper.make_graph([helper.make_node("Constant", [], ["y"], value=ext("c", "../c.bin"))],
                            "then", [], [y])
    nodes = [helper.make_node("Add", ["a", "b"], ["s"]),
             helper.make_node("If", ["cond"], ["y"], then_branch=sub, else_branch=sub)]
    sparse = helper.make_sparse_tensor(ext("sv", "sparse.bin"),
                                       helper.make_tensor("si", TensorProto.INT64, [1], [0]), [2])
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info(
        "cond", TensorProto.BOOL, [])], [y], initializer=[ext("a", "weights.bin"),
                                                          ext("b", "/etc/passwd")],
        sparse_initializer=[sparse])
    model = helper.make_model(graph).SerializeToString()
    inside = helper.make_model(helper.make_graph(
        [helper.make_node("Identity", ["a"], ["y"])], "g", [], [y],
        initializer=[ext("a", "weights.bin")])).SerializeToString()
    return {"onnx_external.onnx": model, f"{STREAM_ONNX}external.onnx": model,
            f"{STREAM_ONNX}inside.onnx": inside}


def build_seeds(markers: Path) -> tuple[dict[str, bytes], dict[str, dict[str, bytes]]]:
    """(files: name → bytes, folders: name → {relative path → bytes}), in a fixed order. The
    hostile samples' inert payloads would create files in ``markers`` (never created here)."""
    evil = Gadget(eval, ("1",))
    data = pickle.dumps(evil, protocol=2)
    torch_members = {"archive/data.pkl": data, "archive/byteorder": b"little",
                     "archive/version": b"3\n", "archive/data/0": b"\0" * 16}
    files: dict[str, bytes] = {}
    for proto in range(6):
        files[f"gadget_p{proto}.pkl"] = pickle.dumps(evil, protocol=proto)
    for label, method in (("stored", zipfile.ZIP_STORED), ("deflate", zipfile.ZIP_DEFLATED),
                          ("bzip2", zipfile.ZIP_BZIP2), ("lzma", zipfile.ZIP_LZMA)):
        files[f"torch_zip_{label}.pt"] = zip_bytes(torch_members, method)
    files["npy_header_object.npy"] = (
        b"\x93NUMPY\x01\x00v\x00{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"
        + b" " * 50 + b"\n" + pickle.dumps(["x"]))
    files["safetensors_overlap.safetensors"] = safetensors_bad("overlap")
    files["gzip.gz"] = gzip.compress(data, mtime=0)
    files["bz2.bz2"] = bz2.compress(data)
    files["xz.xz"] = lzma.compress(data)
    files["lzma_alone.lzma"] = lzma.compress(data, format=lzma.FORMAT_ALONE)
    files["zlib.z"] = zlib.compress(data)
    files["gguf.gguf"] = _gguf()
    files["hdf5_keras_lambda.h5"] = (
        b"\x89HDF\r\n\x1a\n" + b"\0" * 40 + b'{"class_name": "Sequential", "config": '
        b'{"layers": [{"class_name": "Lambda", "config": {"name": "l\\u0061mbda"}}]}}')
    files["short_magics.bin"] = b"\x1f\x8b\x08\x00"
    files["onnx_prefix.bin"] = b"\x08\x07\x12\x04test"
    with tempfile.TemporaryDirectory() as td:
        tmp = Path(td)
        for label, samples in (("mal", malicious_samples(markers / "MARKER")),
                               ("ben", benign_samples())):
            for name, item in sorted(samples.items()):
                if name in _SKIP:
                    continue
                path = tmp / f"{label}_{name}"
                if isinstance(item, bytes):
                    path.write_bytes(item)
                else:
                    try:
                        item(path)
                    except ImportError:  # h5py and other optional writers
                        continue
                files[f"{label}_{name}"] = path.read_bytes()
        from trojanscope.testing.evasion_corpus import evasion_samples

        for ev in evasion_samples(markers, flood=2000):
            files[f"ev_{ev.family}_{ev.name.replace('/', '_')}"] = ev.data
        with contextlib.suppress(ImportError):  # torch missing: the other seeds still run
            files["torchscript.pt"] = _torchscript()
        hf = _hf_folder(tmp)
        folders = {"hf_benign": hf}
        for trick in ("os-system-in-modeling", "shard-index-traversal",
                      "tokenizer-added-token-takeover", "sentence-transformers-module-type",
                      "pickle-in-pytorch-model-bin"):
            folders[f"hf_{trick}"] = _hf_trick(tmp, trick)
    files["hf_folder.tar"] = _tar_bytes({f"model/{k}": v for k, v in hf.items()})
    files["hf_folder.zip"] = zip_bytes({f"model/{k}": v for k, v in hf.items()},
                                       zipfile.ZIP_DEFLATED)
    files["nested_zip_tgz_zip.zip"] = zip_bytes({"inner.tar.gz": _tar_bytes(
        {"deep.zip": zip_bytes({"data.pkl": data}, zipfile.ZIP_DEFLATED)}, "w:gz")})
    files["nested_gz_in_zip.zip"] = zip_bytes({"model.pkl.gz": gzip.compress(data, mtime=0)})
    files["nested_npz_in_tar.tar"] = _tar_bytes({"arrays.npz": files.get(
        "mal_npz_object.npz", b"")})
    files.update(_optional_codecs(data, files["torch_zip_stored.pt"]))
    files.update(_tree_models())
    files.update(_onnx_external())
    return dict(sorted(files.items())), folders


def cached_seeds(cache: Path,
                 markers: Path) -> tuple[dict[str, bytes], dict[str, dict[str, bytes]]]:
    """:func:`build_seeds`, kept in ``cache`` after the first build: zip timestamps, gzip
    headers and torch's random serialization id make every build differ a little, and a seed
    must replay the same inputs."""
    manifest = cache / "manifest.json"
    if not manifest.exists():
        files, folders = build_seeds(markers)
        for name, data in files.items():
            (cache / "files").mkdir(parents=True, exist_ok=True)
            (cache / "files" / name).write_bytes(data)
        for folder, tree in folders.items():
            for rel, data in tree.items():
                path = cache / "folders" / folder / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
        manifest.write_text(json.dumps({"files": list(files), "folders": {
            k: list(v) for k, v in folders.items()}}, indent=1))
    listed = json.loads(manifest.read_text())
    files = {n: (cache / "files" / n).read_bytes() for n in listed["files"]}
    folders = {f: {rel: (cache / "folders" / f / rel).read_bytes() for rel in rels}
               for f, rels in listed["folders"].items()}
    return files, folders
