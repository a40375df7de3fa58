"""TorchScript archives that run code while loading: how many the loader and scanner refuse,
and how many ordinary archives they let through.

Hostile archives are built here (``__setstate__`` or ``forward`` calling ``torch.from_file``,
``torch.save``, ``Tensor.set_``), each aimed at a marker file in a scratch folder; the loader
(``load_model``) is asked to load each one and must refuse it; each archive is then loaded
and run *without* the check (our own file, in the scratch folder) to show it does write. Ordinary
archives are every TorchScript file under the folders given (zoos made by our code and by
other code) plus a built variety (scripted LSTM/transformer, traced CNN, dynamic quantized):
none may be refused (stop 37: an interface-typed submodule and helper, and ``.py``
extra files with comments, refused before on the safe side).

    python benchmarks/torchscript_code_check.py --scratch /tmp/tscheck /tmp/h9 /tmp/h14 ...

``--sandbox-only --no-unshare`` (issue 4, stop 39): the static checks off and the child started
without ``unshare``, each hostile archive loaded and called four times: what the sandboxed
child alone (its limits and seccomp filter) leaves of each threat (``outcome``, the marker).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn

from trojanscope.errors import UserInputError
from trojanscope.io.models import load_model
from trojanscope.scan import scan_file
from trojanscope.scan.torchscript_code import archive_problems
from trojanscope.testing.ts_archives import HelperDtype, inflated, rewrite


class OnLoadFromFile(nn.Module):
    """Writes the marker from ``__setstate__``, while torch.jit.load runs."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x

    @torch.jit.export
    def __getstate__(self) -> tuple[str, bool]:
        return (self.path, self.training)

    @torch.jit.export
    def __setstate__(self, state: tuple[str, bool]) -> None:
        written = torch.from_file(state[0], True, 8, dtype=torch.uint8).fill_(88)
        self.path = state[0] + str(int(written.sum()) * 0)[:0]  # used, so not pruned
        self.training = state[1]


class ForwardFromFile(nn.Module):
    """Writes the marker on every input."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        written = torch.from_file(self.path, True, 8, dtype=torch.uint8).fill_(88)
        return x + written.sum() * 0  # used, so TorchScript does not prune the call


class ForwardSave(nn.Module):
    """Pickles a tensor to the marker's path on every input (aten::save)."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        torch.save(x, self.path)
        return x


class ForwardSetStorage(nn.Module):
    """Re-points a tensor at another's storage (the raw-memory primitive ``set_``)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.zeros(1)
        return y.set_(x)


class CounterDtype(nn.Module):
    """Review round 9 (G1/G3/D): a call counter in module state gates a computed dtype (200,
    SIGSEGV) past the child's first-call rehearsal."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0
        self.code = 6

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        if self.calls > 2:
            return x + torch.ones([4]).to(self.code + 194).sum()
        return x * 2


class GradDtype(nn.Module):
    """Review round 9 (G2/G6): the computed dtype behind ``x.requires_grad``, which the
    child's rehearsal key did not hold (G7: behind ``torch.is_grad_enabled()``)."""

    def __init__(self) -> None:
        super().__init__()
        self.code = 6

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.requires_grad or torch.is_grad_enabled():
            return x + torch.ones([4]).to(self.code + 194).sum()
        return x * 2


class CounterOnly(nn.Module):
    """Review round 9 (M1): another path from the third call on (an attribute counter)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        if self.calls > 2:
            raise RuntimeError("call 3+, never rehearsed")
        return x


class BufferCounter(nn.Module):
    """Review round 9 (M1b): the same with a buffer written in place (no attribute set)."""

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("seen", torch.zeros(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.seen.add_(1.0)
        if bool(self.seen[0] > 2):
            raise RuntimeError("call 3+, never rehearsed")
        return x


# review round 9: archives that crash or change path when run (never run unchecked here)
ROUND9 = {
    "counter-gated computed dtype (G1)": CounterDtype,
    "requires_grad-gated computed dtype (G2)": GradDtype,
    "attribute counter (M1)": CounterOnly,
    "buffer counter add_ (M1b)": BufferCounter,
    "computed dtype through a helper's parameter": HelperDtype,
}


HOSTILE = {
    "on-load from_file": OnLoadFromFile,
    "forward from_file": ForwardFromFile,
    "forward save": ForwardSave,
    "forward set_": ForwardSetStorage,
}


FROM_FILE = "torch.from_file((state)[0], True, 8, dtype=0)"  # as torch prints the on-load call


def _code(edit: Callable[[str], str]) -> Callable[[str, bytes], bytes]:
    return lambda n, d: edit(d.decode()).encode() if n.endswith(".py") else d


def opaque_constants(marker: Path) -> bytes:
    """constants.pkl naming aten's OpaqueObject, whose restore unpickles a Python pickle that
    opens (truncates) ``marker``."""
    path = str(marker).encode()
    inner = (
        b"\x80\x02cbuiltins\nopen\nX"
        + struct.pack("<I", len(path))
        + path
        + b"X\x01\x00\x00\x00w\x86R."
    )
    state = base64.b64encode(inner)
    return (
        b"\x80\x02(c__torch__.torch.classes.aten\nOpaqueObject\n)\x81X"
        + struct.pack("<I", len(state))
        + state
        + b"bt."
    )


def two_directories(evil: Path, benign: Path, out: Path) -> Path:
    """One file holding both archives' members: the end record points torch's reader at the
    hostile archive's directory, while Python's zipfile (which corrects for bytes before the
    archive) reads the benign one."""

    def parts(blob: bytes) -> tuple[bytes, bytes, bytes]:
        at = blob.rfind(b"PK\x05\x06")
        size, offset = struct.unpack("<II", blob[at + 12 : at + 20])
        return blob[:offset], blob[offset : offset + size], blob[at : at + 22]

    e_local, e_dir, _ = parts(evil.read_bytes())
    b_local, b_dir, b_end = parts(benign.read_bytes())
    e_local += b"\0" * max(0, len(b_local) - len(e_local))
    dir_at = len(e_local)
    b_start = dir_at + len(e_dir)
    concat = b_start + len(b_local) - dir_at
    shifted = bytearray(b_dir)
    i = 0
    while i < len(shifted):
        n, x, c = struct.unpack("<HHH", shifted[i + 28 : i + 34])
        rel = struct.unpack("<I", shifted[i + 42 : i + 46])[0]
        struct.pack_into("<I", shifted, i + 42, b_start + rel - concat)
        i += 46 + n + x + c
    end = bytearray(b_end)
    struct.pack_into("<I", end, 16, dir_at)
    out.write_bytes(e_local + e_dir + b_local + bytes(shifted) + bytes(end))
    return out


def two_zip64_records(evil: Path, benign: Path, out: Path) -> Path:
    """Both archives' members, stored; two zip64 end records: Python's zipfile takes the one
    just before the locator (the benign directory), torch's reader the one the locator names
    (the hostile directory)."""
    blob = bytearray()

    def local(name: str, data: bytes) -> tuple[bytes, int, int, int]:
        at, raw, crc = len(blob), name.encode(), zlib.crc32(data)
        blob.extend(
            struct.pack(
                "<IHHHHHIIIHH", 0x04034B50, 20, 0, 0, 0, 0, crc, len(data), len(data), len(raw), 0
            )
            + raw
            + data
        )
        return raw, crc, len(data), at

    def directory(records: list[tuple[bytes, int, int, int]]) -> bytes:
        return b"".join(
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                20,
                0,
                0,
                0,
                0,
                crc,
                size,
                size,
                len(raw),
                0,
                0,
                0,
                0,
                0,
                at,
            )
            + raw
            for raw, crc, size, at in records
        )

    def end64(n: int, size: int, at: int) -> bytes:
        return struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, n, n, size, at)

    with zipfile.ZipFile(benign) as zb, zipfile.ZipFile(evil) as ze:
        good = [local(i.filename, zb.read(i)) for i in zb.infolist()]
        bad = [local(i.filename, ze.read(i)) for i in ze.infolist()]
    bad_dir, bad_at = directory(bad), len(blob)
    blob.extend(bad_dir)
    bad_end = len(blob)
    blob.extend(end64(len(bad), len(bad_dir), bad_at))
    good_dir, good_at = directory(good), len(blob)
    blob.extend(good_dir + end64(len(good), len(good_dir), good_at))
    blob.extend(struct.pack("<IIQI", 0x07064B50, 0, bad_end, 1))
    blob.extend(
        struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    )
    out.write_bytes(bytes(blob))
    return out


def hidden_by_carriage_return(text: str) -> str:
    """The hostile lines inside what Python reads as a string and torch as code: Python ends
    a comment at ``\\r``, torch's lexer only at ``\\n``."""
    lines = text.split("\n")
    first = next(i for i, line in enumerate(lines) if "torch.from_file" in line)
    last = next(i for i, line in enumerate(lines) if line.strip().startswith("self.path ="))
    return "\n".join(
        [
            *lines[:first],
            "    _9 = 1 # \r    _8 = '''",
            *lines[first : last + 1],
            "    # '''",
            *lines[last + 1 :],
        ]
    )


def _shadowing_method(text: str) -> str:
    """Defines ``_reshape_alias`` on the class and calls it on a tensor, where TorchScript
    resolves it to the unchecked aten operator of that name."""
    text = text.replace(
        "  def __setstate__(",
        "  def _reshape_alias(self: __torch__.OnLoadFromFile"
        ") -> int:\n    return 0\n  def __setstate__(",
        1,
    )
    return text.replace(FROM_FILE, "torch.zeros([4])._reshape_alias([2], [100000000])")


_BIG = (
    "class Big(Module):\n  __parameters__ = []\n  __buffers__ = []\n  training : bool\n"
    + "".join(f"  f{i} : int\n" for i in range(64))
    + "  def forward(self: __torch__.Big,\n    x: Tensor) -> Tensor:\n    return x\n"
)
_SMALLER = (
    """class OnLoad(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  path : str
  keep : __torch__.Top
  def forward(self: __torch__.OnLoad,
    x: Tensor) -> Tensor:
    return x
  def __getstate__(self: __torch__.OnLoad) -> Tuple[__torch__.Top, bool]:
    training = self.training
    return (self.keep, training)
  def __setstate__(self: __torch__.OnLoad,
    state: Tuple[__torch__.Top, bool]) -> NoneType:
    b = ((state)[0]).sub
    self.path = torch.add("slot:", str(b.f5))
    self.keep = (state)[0]
    self.training = (state)[1]
    return None
class Top(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  sub : __torch__.Big
class Small(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  a : int
  def forward(self: __torch__.Small,
    x: Tensor) -> Tensor:
    return x
"""
    + _BIG
)


def _u(text: str) -> bytes:
    return b"X" + struct.pack("<I", len(text)) + text.encode()


def smaller_class(name: str, data: bytes) -> bytes:
    """Review (stop 35): data.pkl builds a ``Top`` whose ``sub`` is a ``Small`` where the code
    declares a 64-slot ``Big``; ``__setstate__`` reads ``sub.f5`` while torch.jit.load runs
    (a read past the object's slots: a crash)."""
    if name.endswith(".py"):
        return _SMALLER.encode()
    if not name.endswith("data.pkl"):
        return data
    small = b"c__torch__\nSmall\n)\x81}(" + _u("training") + b"\x88" + _u("a") + b"K\x01ub"
    top = b"c__torch__\nTop\n)\x81}(" + _u("training") + b"\x88" + _u("sub") + small + b"ub"
    return b"\x80\x02c__torch__\nOnLoad\n)\x81" + top + b"\x88\x86b."


_THROUGH_INTERFACE = (
    """class OnLoad(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  g : __torch__.Getter
  def forward(self: __torch__.OnLoad,
    x: Tensor) -> Tensor:
    g = self.g
    b = (g).fetch()
    return torch.add(x, b.f60)
class Getter(ModuleInterface):
  def fetch(self) -> __torch__.Big:
    pass
class Impl(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  s : __torch__.Small
  def forward(self: __torch__.Impl,
    x: Tensor) -> Tensor:
    return x
  def fetch(self: __torch__.Impl) -> __torch__.Small:
    s = self.s
    return s
class Small(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  a : int
"""
    + _BIG
)


def through_interface(name: str, data: bytes) -> bytes:
    """Stop 37: an attribute typed by a ``torch.jit.interface`` holds an ``Impl`` whose
    ``fetch`` returns a 2-slot ``Small`` where the interface declares a 64-slot ``Big``; torch
    fills the slot unchecked and ``forward`` reads ``b.f60`` past the object's slots."""
    if name.endswith(".py"):
        return _THROUGH_INTERFACE.encode()
    if not name.endswith("data.pkl"):
        return data
    small = b"c__torch__\nSmall\n)\x81}(" + _u("training") + b"\x88" + _u("a") + b"K\x01ub"
    impl = b"c__torch__\nImpl\n)\x81}(" + _u("training") + b"\x88" + _u("s") + small + b"ub"
    return (
        b"\x80\x02c__torch__\nOnLoad\n)\x81}(" + _u("training") + b"\x88" + _u("g") + impl + b"ub."
    )


def one_code_file(name: str) -> str:
    """Every ``.py`` member renamed to the archive's ``code/__torch__.py`` (the edited code the
    recipes write holds all their classes)."""
    return name.split("/code/")[0] + "/code/__torch__.py" if name.endswith(".py") else name


def variants(base: Path, marker: Path, scratch: Path) -> dict[str, tuple[Path, bool]]:
    """Review findings (stop 35) as archives built from the on-load one: name -> (archive,
    whether running it unchecked is safe for this process)."""

    def swap(file: str, text: str) -> Path:
        """The on-load archive with its ``from_file`` call replaced by ``text``."""
        return rewrite(base, scratch / file, data=_code(lambda t: t.replace(FROM_FILE, text)))

    benign = rewrite(
        base,
        scratch / "v-benign.pt",
        data=_code(
            lambda t: t.replace(FROM_FILE, "torch.zeros([8], dtype=0)").replace(
                "torch.fill_(_0, 88)", "torch.add(_0, 88)"
            )
        ),
    )
    return {
        "getattr(torch, 'from_file')": (
            swap("v-getattr.pt", 'getattr(torch, "from_file")((state)[0], True, 8, dtype=0)'),
            True,
        ),
        "code folder named CODE": (
            rewrite(base, scratch / "v-case.pt", name=lambda n: n.replace("/code/", "/CODE/")),
            True,
        ),
        "constants.pkl OpaqueObject": (
            rewrite(
                benign,
                scratch / "v-opaque.pt",
                data=lambda n, d: opaque_constants(marker) if n.endswith("constants.pkl") else d,
            ),
            True,
        ),
        "two central directories": (
            two_directories(rewrite(base, scratch / "v-evil.pt"), benign, scratch / "v-split.pt"),
            True,
        ),
        "_reshape_alias write": (
            swap("v-alias.pt", "torch._reshape_alias(torch.zeros([4]), [8], [100000000])"),
            False,
        ),
        "code hidden from Python by a carriage return": (
            rewrite(base, scratch / "v-cr.pt", data=_code(hidden_by_carriage_return)),
            True,
        ),
        "two zip64 end records": (
            two_zip64_records(rewrite(base, scratch / "v-evil64.pt"), benign, scratch / "v-z64.pt"),
            True,
        ),
        "unchecked sparse indices (write)": (
            swap(
                "v-sparse.pt",
                "torch.add(torch.zeros([8], dtype=0), torch.to_dense(torch."
                "sparse_coo_tensor(torch.tensor([[40]]), torch.tensor([7], dtype=0), [8])))",
            ),
            False,
        ),
        "segment_reduce unsafe=True (read)": (
            swap(
                "v-segred.pt",
                "torch.segment_reduce(torch.zeros([8], dtype=0), 'sum', "
                "lengths=torch.tensor([40]), unsafe=True)",
            ),
            False,
        ),
        "a method named like an aten operator": (
            rewrite(base, scratch / "v-method.pt", data=_code(_shadowing_method)),
            False,
        ),
        "getattr(tensor, '_reshape_alias')": (
            swap(
                "v-getattr-op.pt", 'getattr(torch.zeros([4]), "_reshape_alias")([2], [100000000])'
            ),
            False,
        ),
        "embedding_bag with negative offsets": (
            swap(
                "v-bag.pt",
                "torch.embedding_bag(torch.zeros([10, 3]), torch.arange(1, 4), "
                "torch.mul(torch.arange(2), -16777216), False, 0, False, None, False, None)[0]",
            ),
            False,
        ),
        "COO-to-CSR indices (heap write)": (
            swap("v-coo.pt", "torch._convert_indices_from_coo_to_csr(torch.tensor([0, 7]), 4)"),
            False,
        ),
        # stop 36: the two findings the fifth review left open
        "pickled attribute of a smaller class (read at load)": (
            rewrite(
                base,
                scratch / "v-smaller.pt",
                data=smaller_class,
                name=one_code_file,
            ),
            False,
        ),
        "_upsample_bilinear2d_aa with a tiny scale (read)": (
            rewrite(
                benign,
                scratch / "v-aa.pt",
                data=_code(
                    lambda t: t.replace(
                        "torch.zeros([8], dtype=0)",
                        "torch._upsample_bilinear2d_aa(torch.ones([1, 1, 1, "
                        "4]), [1, 2], False, None, 4.6566128730773926e-10)",
                    )
                ),
            ),
            False,
        ),
        # stop 37: interfaces are accepted now, when the class implements them exactly
        "interface slot, method returning a smaller class (read)": (
            rewrite(
                base,
                scratch / "v-interface.pt",
                data=through_interface,
                name=one_code_file,
            ),
            False,
        ),
    }


@torch.jit.interface
class ActInterface(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pass


@torch.jit.interface
class OpInterface:
    def run(self, x: torch.Tensor) -> torch.Tensor:
        pass


@torch.jit.script
class Scale:
    def __init__(self) -> None:
        self.k = 2.0

    def run(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.k


class Relu(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(x)


class Swappable(nn.Module):
    """Submodule and helper object typed by interfaces (swapped for another implementation
    after scripting, e.g. an activation or a post-processing step)."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 3)
        self.act = Relu()
        self.op = Scale()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.op.run(self.act.forward(self.fc(x)))


# the class objects themselves: this file's postponed annotations are strings torch cannot
# resolve to an interface
Swappable.__annotations__ = {"act": ActInterface, "op": OpInterface}
EXTRA_FILES = {
    "preprocess.py": "# how inputs were scaled\nMEAN, STD = 0.13, 0.31\n",
    "README.py": "# notes, not code\n",
    "config.json": '{"classes": 3}',
}


def ordinary_variety(folder: Path) -> list[Path]:
    """A few archive shapes other training code produces (stop 37: two more, an interface-typed
    submodule and helper, and ``_extra_files`` holding ``.py`` files with comments)."""
    folder.mkdir(parents=True, exist_ok=True)
    lstm = nn.LSTM(4, 8, batch_first=True)
    enc = nn.TransformerEncoderLayer(8, 2, 16, batch_first=True)
    cnn = nn.Sequential(
        nn.Conv2d(1, 4, 3),
        nn.Tanh(),
        nn.AvgPool2d(2),
        nn.Upsample(scale_factor=2),
        nn.Flatten(),
        nn.Dropout(),
        nn.Linear(144, 3),
    ).eval()
    quant = torch.ao.quantization.quantize_dynamic(
        nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 2)), {nn.Linear}, dtype=torch.qint8
    )
    made = {
        "lstm.pt": torch.jit.script(lstm),
        "encoder.pt": torch.jit.script(enc.eval()),
        "cnn-traced.pt": torch.jit.trace(cnn, torch.randn(1, 1, 8, 8)),
        "quantized.pt": torch.jit.script(quant),
    }
    made["interface.pt"] = torch.jit.script(Swappable())
    made["extra-files.pt"] = torch.jit.script(nn.Sequential(nn.Linear(4, 3), nn.ReLU()))
    paths = []
    for name, module in made.items():
        torch.jit.save(
            module,
            str(folder / name),
            _extra_files=EXTRA_FILES if name == "extra-files.pt" else None,
        )
        paths.append(folder / name)
    return paths


def is_torchscript(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as zf:
            return any("/code/" in f"/{n}" for n in zf.namelist())
    except (zipfile.BadZipFile, OSError):
        return False


def check(
    name: str, archive: Path, marker: Path, run_unchecked: bool, sandbox_only: bool = False
) -> dict:
    """Loader and scanner on one hostile archive; then (when safe for this process) the same
    archive loaded and run without the check, to show the threat is live. ``sandbox_only``
    (the static checks and the scan gate off): loaded and called four times on zeros, so only
    the sandboxed child stands in the way; ``outcome`` says what stopped it."""
    marker.write_text("ORIGINAL")
    outcome = "ran"
    try:
        model = load_model(archive, scan=not sandbox_only).module
        for _ in range(4 if sandbox_only else 0):
            model(torch.zeros(2))
    except UserInputError as exc:  # a refusal: the static checks or the sandboxed child
        outcome = f"refused: {str(exc)[:160]}"
    except RuntimeError as exc:  # the model's own error, raised in the worker
        outcome = f"error: {str(exc)[:160]}"
    refused = outcome.startswith("refused")
    untouched = marker.read_bytes() == b"ORIGINAL"
    _, ctx = scan_file(archive)
    live: bool | None = None
    if run_unchecked:  # our own archive, in the scratch folder
        with contextlib.suppress(RuntimeError):
            torch.jit.load(str(archive))(torch.zeros(2))
        live = marker.read_bytes() != b"ORIGINAL"
        marker.write_text("ORIGINAL")
    return {
        "archive": name,
        "loader_refused": refused,
        "scanner_ts208": sum(f.rule_id == "TS208" for f in ctx.findings),
        "unchecked_run_writes_marker": live,
        "marker_untouched_by_loader": untouched,
        "outcome": outcome,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="*", type=Path, help="folders searched for .pt archives")
    ap.add_argument("--scratch", type=Path, required=True)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--load-ordinary", action="store_true",
                    help="also load every ordinary archive with load_model (the child's "
                    "rehearsal and worker), not only the static check")
    ap.add_argument("--sandbox-only", action="store_true",
                    help="every static TorchScript check and the scan gate off, each hostile "
                    "archive loaded and called: only the sandboxed child stands in the way "
                    "(the zip bomb is skipped: only the static inflate cap stops it)")
    ap.add_argument("--no-unshare", action="store_true",
                    help="start the sandboxed child without `unshare`, as on a machine that "
                    "refuses user namespaces")
    args = ap.parse_args()
    if args.sandbox_only:
        import trojanscope.scan.torchscript_code as tc

        tc.archive_problems = lambda fileobj: []
    if args.no_unshare:
        from trojanscope.io import ts_sandbox

        ts_sandbox.shutil.which = lambda name: None  # this process's only use of it
    torch.manual_seed(0)
    args.scratch.mkdir(parents=True, exist_ok=True)
    rows = []
    only = args.sandbox_only
    for name, cls in HOSTILE.items():
        marker = args.scratch / f"marker-{name.replace(' ', '-')}.txt"
        marker.write_text("ORIGINAL")
        archive = args.scratch / f"hostile-{name.replace(' ', '-')}.pt"
        torch.jit.script(cls() if cls is ForwardSetStorage else cls(str(marker))).save(str(archive))
        rows.append(check(name, archive, marker, True, only))
    base = args.scratch / "hostile-on-load-from_file.pt"
    marker = args.scratch / "marker-on-load-from_file.txt"
    for name, (archive, safe) in variants(base, marker, args.scratch).items():
        rows.append(check(name, archive, marker, safe, only))
    for name, cls in ROUND9.items():
        archive = args.scratch / f"round9-{cls.__name__}.pt"
        torch.jit.script(cls()).save(str(archive))
        rows.append(check(name, archive, args.scratch / "marker-round9.txt", False, only))
    plain = args.scratch / "round9-plain.pt"
    torch.jit.script(nn.Sequential(nn.Linear(2, 2))).save(str(plain))
    rows += [] if only else [
        check(
            "deflated member inflating past 64 MiB (Z)",
            inflated(plain, args.scratch / "round9-inflated.pt"),
            args.scratch / "marker-round9.txt",
            False,
        )
    ]
    ordinary = ordinary_variety(args.scratch / "ordinary")
    for folder in args.folders:
        ordinary += sorted(p for p in folder.rglob("*.pt") if is_torchscript(p))
    refused_ordinary = []
    for path in ordinary:
        with path.open("rb") as fh:
            problems = archive_problems(fh)
        if problems:
            refused_ordinary.append({"path": str(path), "problems": problems[:3]})
        elif args.load_ordinary:
            try:
                load_model(path)
            except UserInputError as exc:
                refused_ordinary.append({"path": str(path), "load_model": str(exc)[:300]})
    summary = {
        "hostile": rows,
        "hostile_refused": sum(r["loader_refused"] for r in rows),
        "hostile_markers_untouched": sum(r["marker_untouched_by_loader"] for r in rows),
        "ordinary_archives": len(ordinary),
        "ordinary_refused": refused_ordinary,
        "ordinary_loaded_by_load_model": args.load_ordinary,
    }
    text = json.dumps(summary, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text)


if __name__ == "__main__":
    main()
