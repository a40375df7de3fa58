"""A TorchScript archive whose code opens files is refused before torch.jit.load runs it."""

import zipfile
from pathlib import Path

import pytest
import torch
from torch import nn

from trojanscope.cli.main import run
from trojanscope.errors import UserInputError
from trojanscope.io.models import load_model
from trojanscope.scan import scan_file
from trojanscope.scan.torchscript_code import archive_problems, pickle_problems, unsafe_names
from trojanscope.testing.ts_archives import HelperDtype, inflated, rewrite


class _WritesOnLoad(nn.Module):
    """Overwrites ``path`` from ``__setstate__``, i.e. while ``torch.jit.load`` runs."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path
        self.w = torch.zeros(2, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x @ self.w.t()

    @torch.jit.export
    def __getstate__(self) -> tuple[torch.Tensor, str, bool]:
        return (self.w, self.path, self.training)

    @torch.jit.export
    def __setstate__(self, state: tuple[torch.Tensor, str, bool]) -> None:
        t = torch.from_file(state[1], True, 8, dtype=torch.uint8)
        t.fill_(88)
        self.w = state[0] + t.sum().float() * 0.0
        self.path = state[1]
        self.training = state[2]


@pytest.fixture()
def hostile(tmp_path: Path) -> tuple[Path, Path]:
    victim = tmp_path / "victim.txt"
    victim.write_text("ORIGINAL")
    model = tmp_path / "evil.pt"
    torch.jit.script(_WritesOnLoad(str(victim))).save(str(model))
    return model, victim


def test_loader_refuses_code_that_opens_files(hostile: tuple[Path, Path]) -> None:
    model, victim = hostile
    with pytest.raises(UserInputError, match="from_file"):
        load_model(model)
    assert victim.read_text() == "ORIGINAL"  # torch.jit.load never ran the code


def test_scanner_rates_it_critical(hostile: tuple[Path, Path]) -> None:
    _, ctx = scan_file(hostile[0])
    ops = [(f.rule_id, f.severity.label, f.evidence.get("problem")) for f in ctx.findings]
    assert ("TS208", "critical", "from_file") in ops
    assert hostile[1].read_text() == "ORIGINAL"


def test_cli_one_line_exit_2(hostile: tuple[Path, Path], capsys: pytest.CaptureFixture) -> None:
    assert run(["detect", str(hostile[0]), "--data-free"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "from_file" in err[0]
    assert hostile[1].read_text() == "ORIGINAL"


def test_ordinary_scripted_and_quantized_models_pass(tmp_path: Path) -> None:
    net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.Tanh(), nn.AvgPool2d(2), nn.Flatten(),
                        nn.Linear(36, 3))
    path = tmp_path / "net.pt"
    torch.jit.script(net.eval()).save(str(path))
    with path.open("rb") as fh:
        assert archive_problems(fh) == []
    assert load_model(path).format == "torchscript"
    quant = torch.ao.quantization.quantize_dynamic(
        nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 2)), {nn.Linear},
        dtype=torch.qint8)
    torch.jit.script(quant).save(str(tmp_path / "q.pt"))
    with (tmp_path / "q.pt").open("rb") as fh:
        assert archive_problems(fh) == []
    named = nn.Module()
    named.load, named.save = nn.Linear(2, 2), nn.Identity()  # submodules, not operators
    torch.jit.script(named).save(str(tmp_path / "named.pt"))
    with (tmp_path / "named.pt").open("rb") as fh:
        assert archive_problems(fh) == []


@pytest.mark.parametrize(("source", "expected"), [
    ("def f(x: Tensor) -> Tensor:\n  return torch.save(x, 'p')\n", ["save"]),
    ("def f(x: Tensor) -> Tensor:\n  return torch.sparse_coo_tensor(x, x, [4])\n",
     ["torch.sparse_coo_tensor, an operator ordinary models do not call"]),
    ("def f(x: Tensor) -> Tensor:\n  return torch.segment_reduce(x, 'sum', unsafe=True)\n",
     ["keyword unsafe="]),
    ("def f(x: Tensor) -> Tensor:\n  _9 = 1 # \r  return torch.relu(x)\n",
     ["a character other than printable ASCII"]),
    ("def f(x: Tensor) -> Tensor:\n  return torch.relu(x)  # type: Tensor\n", ["a comment"]),
    ("def f(x: Tensor) -> Tensor:\n  return x.set_(x)\n", ["set_"]),
    ("def f(x: Tensor) -> Tensor:\n  return ops.c10d.broadcast_(x)\n", ["ops.c10d"]),
    ("def f(x: Tensor) -> Tensor:\n  return ops.prim.rpc_sync('w', x)\n", ["rpc_sync"]),
    ("x : __torch__.torch.classes.dist_c10d.Store\n", ["torch.classes.dist_c10d"]),
    ("def f(x: Tensor) -> Tensor:\n  return ops.aten.relu(torch.flatten(x, 1))\n", []),
    ("def f(x: Tensor) -> Tensor:\n  return getattr(torch, 'from_file')('p', True, 8)\n",
     ["getattr on torch", "torch used as a value"]),
    ("def f(x: Tensor) -> Tensor:\n  t = ops\n  return x\n", ["ops used as a value"]),
    ("def f(x: Tensor) -> Tensor:\n  return torch._reshape_alias(x, [2], [9])\n",
     ["_reshape_alias"]),
    ("def f(x: Tensor) -> Tensor:\n  return getattr(self.layers, '0')(x)\n", []),
    ("def f(x: Tensor) -> Tensor:\n  convs = self.convs\n  return getattr(convs, '0')(x)\n",
     []),
    ("def f(x: Tensor) -> Tensor:\n  a = ops.aten\n  return x\n", ["ops.aten used as a value"]),
    ("def f(x: Tensor) -> Tensor:\n  return getattr(torch.autograd, 'from_file')\n",
     ["getattr on torch", "torch.autograd used as a value"]),
    # review, stop 35, round 3: a method named like an aten operator calls the operator
    ("def _reshape_alias(self: X) -> int:\n  return 0\n"
     "def f(self: X, a: Tensor) -> Tensor:\n  return a._reshape_alias([9], [1])\n",
     ["method _reshape_alias"]),
    ("def f(a: Tensor) -> Tensor:\n  return getattr(a, '_reshape_alias')([9], [1])\n",
     ["getattr of operator _reshape_alias"]),
    ("def f(self: X) -> str:\n  b = unchecked_cast(__torch__.Big, self)\n  return str(b.f60)\n",
     ["unchecked_cast to a class"]),
    ("def f(x: Tensor) -> Tensor:\n  return torch.embedding_bag(x, x, x, False)\n",
     ["embedding_bag"]),
    ("def f(x: Optional[Tensor]) -> Tensor:\n  return unchecked_cast(Tensor, x)\n", []),
    # review, stop 35, round 4
    ("def f(self: X) -> str:\n  b = (unchecked_cast(Tuple[__torch__.Big], (self,)))[0]\n"
     "  return str(b.f60)\n", ["unchecked_cast to a class"]),
    ("def f(x: Tensor) -> Tensor:\n  return torch.zeros([4], dtype=-5)\n", ["dtype code -5"]),
    ("def f(x: Tensor) -> Tensor:\n  return torch.to(x, 200)\n", ["dtype code 200"]),
    ("def f(x: Tensor) -> Tensor:\n  return torch.to(x, 6, False, False, None)\n", []),
    ("def f(self: X) -> int:\n  return id(self)\n", ["id"]),
    # review round 9 (stop 37): a dtype computed at run time (dtype 200: SIGSEGV), in every
    # spelling and position; a tensor's own dtype, None and names given only those pass
    ("def f(self: X, x: Tensor) -> Tensor:\n  code = self.code\n"
     "  return torch.to(x, torch.add(code, 194))\n", ["dtype code torch.add(code, 194)"]),
    ("def f(self: X, x: Tensor) -> Tensor:\n  return x.to(self.code)\n",
     ["dtype code self.code"]),
    ("def f(self: X, x: Tensor) -> Tensor:\n  return ops.aten.to(x, self.code)\n",
     ["dtype code self.code"]),
    ("def f(self: X, x: Tensor) -> Tensor:\n  d = 6\n  if self.b:\n    d = self.code\n"
     "  return torch.zeros([4], dtype=d)\n", ["dtype code d"]),
    # review round 9: module state changed between calls (the child rehearses the first call)
    ("def forward(self: X, x: Tensor) -> Tensor:\n  calls = self.calls\n"
     "  self.calls = torch.add(calls, 1)\n  return x\n", ["sets attribute self.calls"]),
    ("def forward(self: X, x: Tensor) -> Tensor:\n  seen = self.seen\n"
     "  _0 = torch.add_(seen, 1.)\n  return x\n", ["writes module state in place"]),
    ("def forward(self: X, x: Tensor) -> Tensor:\n  _0 = self.seen.add_(1.)\n  return x\n",
     ["writes module state in place"]),
    ("def forward(self: X, x: Tensor) -> Tensor:\n  v = torch.select(self.seen, 0, 0)\n"
     "  _0 = torch.copy_(v, x)\n  return x\n", ["writes module state in place"]),
    ("def forward(self: X, x: Tensor) -> Tensor:\n  training = self.training\n"
     "  if training:\n    n = self.num_batches_tracked\n    _0 = torch.add_(n, 1)\n"
     "  else:\n    pass\n  return torch.relu_(x)\n", []),
    ("def __setstate__(self: X, state: int) -> None:\n  self.calls = state\n", []),
    ("def forward(self: X, x: Tensor) -> Tensor:\n  buf = self.buf\n  buf[0] = 1.\n"
     "  return x\n", ["writes module state in place"]),
    ("def forward(self: X, x: Tensor) -> Tensor:\n  y = torch.relu(x)\n  y[0] = 1.\n"
     "  return y\n", []),
    # one file alone: a parameter passes (archive_problems follows it to its callers)
    ("def f(x: Tensor, d: int) -> Tensor:\n  return torch.softmax(x, 1, d)\n", []),
    ("def f(self: X, x: Tensor) -> Tensor:\n  return torch.softmax(x, 1, self.code)\n",
     ["dtype code self.code"]),
    ("def f(self: X, x: Tensor) -> Tensor:\n  return torch.to(x, None, 6, False, False, "
     "self.m)\n", ["memory format code self.m"]),
    ("def f(self: X, x: Tensor) -> Tensor:\n  return torch.zeros([4], layout=self.m)\n",
     ["layout code self.m"]),
    ("def f(x: Tensor, y: Tensor) -> Tensor:\n  d = ops.prim.dtype(y)\n  e = d\n"
     "  return torch.to(x, e)\n", []),
    ("def f(x: Tensor) -> Tensor:\n  return torch.softmax(x, 1, None)\n", []),

    # stop 36: antialiased upsampling with a scale that need not match its output size
    ("def f(x: Tensor) -> Tensor:\n  return torch._upsample_bilinear2d_aa(x, [1, 2], False, "
     "None, 4.6e-10)\n", ["explicit scale per dimension"]),
    ("def f(x: Tensor, s: float) -> Tensor:\n  return torch._upsample_bilinear2d_aa(x, [1, 256], "
     "False, s)\n", ["computed scale outside torch's own interpolate"]),
    ("def f(x: Tensor) -> Tensor:\n  return x._upsample_bicubic2d_aa([1, 2], False, None, 0.5)"
     "\n", ["explicit scale per dimension"]),
    ("def f(x: Tensor) -> Tensor:\n  return torch._upsample_bilinear2d_aa(x, None, False, "
     "[0.5, 0.5])\n", []),
    ("def f(x: Tensor) -> Tensor:\n  return torch._upsample_bicubic2d_aa(x, [4, 4], False, "
     "None)\n", []),

    ("def f(:\n", ["<unreadable code>"]),
])
def test_unsafe_names(source: str, expected: list[str]) -> None:
    got = unsafe_names(source)
    assert all(any(e in g for g in got) for e in expected), got
    assert bool(got) == bool(expected), got


def test_audit_never_picks_a_file_the_scan_skipped(tmp_path: Path) -> None:
    from trojanscope.audit.steps_model import pick_model_path

    hidden = tmp_path / "repo" / ".git"
    hidden.mkdir(parents=True)
    (hidden / "model.pt").write_bytes(b"PK")
    with pytest.raises(UserInputError, match="0 model files"):
        pick_model_path(tmp_path / "repo")
    (tmp_path / "repo" / "model.onnx").write_bytes(b"x")
    assert pick_model_path(tmp_path / "repo") == tmp_path / "repo" / "model.onnx"


def test_members_found_whatever_their_case_are_checked(hostile: tuple[Path, Path]) -> None:
    # torch's reader finds code/ members ignoring case (review, stop 35)
    model, victim = hostile
    renamed = rewrite(model, model.with_name("upper.pt"), lambda n: n.replace("/code/", "/CODE/"))
    with pytest.raises(UserInputError, match="from_file"):
        load_model(renamed)
    assert victim.read_text() == "ORIGINAL"


def test_a_pickle_naming_a_registered_class_is_refused(tmp_path: Path) -> None:
    # aten's OpaqueObject restores itself by unpickling Python (review, stop 35)
    outer = b"\x80\x02(c__torch__.torch.classes.aten\nOpaqueObject\n)\x81X\x00\x00\x00\x00bt."
    assert pickle_problems(outer) == ["pickle global __torch__.torch.classes.aten.OpaqueObject"]
    assert pickle_problems(b"\x80\x02cbuiltins\nopen\n.") == ["pickle global builtins.open"]
    assert pickle_problems(b"\x80\x04\x8c\x01a\x8c\x01b\x93.") == ["pickle opcode STACK_GLOBAL"]
    path = tmp_path / "net.pt"
    torch.jit.script(nn.Linear(2, 2)).save(str(path))
    swapped = rewrite(path, tmp_path / "opaque.pt",
                      data=lambda n, d: outer if n.endswith("constants.pkl") else d)
    with pytest.raises(UserInputError, match="OpaqueObject"):
        load_model(swapped)


def test_bytes_before_the_recorded_start_are_refused(tmp_path: Path) -> None:
    # torch and Python's zipfile resolve a shifted central directory differently (review)
    path = tmp_path / "net.pt"
    torch.jit.script(nn.Linear(2, 2)).save(str(path))
    shifted = tmp_path / "shifted.pt"
    shifted.write_bytes(b"PK\x03\x04" + b"\0" * 60 + path.read_bytes())
    with pytest.raises(UserInputError, match="64 bytes before the recorded start"):
        load_model(shifted)


def test_scripted_recurrent_and_transformer_layers_pass(tmp_path: Path) -> None:
    # their scripted code calls torch.__not__, __is__, __isnot__, __contains__ (aten operators)
    for i, module in enumerate((nn.LSTM(4, 8, batch_first=True),
                                nn.TransformerEncoderLayer(8, 2, 16, batch_first=True).eval())):
        path = tmp_path / f"m{i}.pt"
        torch.jit.script(module).save(str(path))
        with path.open("rb") as fh:
            assert archive_problems(fh) == []


def test_scripted_antialiased_upsampling_passes_and_an_edited_interpolate_does_not(
        tmp_path: Path) -> None:
    # every scripted nn.Upsample holds torch's interpolate, which calls the _aa operators
    path = tmp_path / "up.pt"
    torch.jit.script(nn.Upsample(scale_factor=2, mode="bilinear")).save(str(path))
    with path.open("rb") as fh:
        assert archive_problems(fh) == []
    edited = rewrite(path, tmp_path / "edited.pt", data=lambda n, d: d.replace(
        b"_aa(input, output_size3, align_corners6, scale_factors3)",
        b"_aa(input, output_size3, align_corners6, scale_factor0)") if n.endswith(".py") else d)
    with edited.open("rb") as fh:
        assert any("outside torch's own interpolate" in p for _, p in archive_problems(fh))


def test_an_archive_whose_members_inflate_past_the_cap_is_refused(tmp_path: Path) -> None:
    # review round 9: one deflated 1 GiB extra file (1.1 MB on disk) took the parent to 3.3 GiB
    # before the sandboxed child ran; torch.jit.save's own deflated members are kilobytes
    from trojanscope.scan.torchscript_code import MAX_INFLATED_BYTES

    plain = tmp_path / "plain.pt"
    torch.jit.save(torch.jit.script(torch.nn.Linear(3, 2)), str(plain))
    assert archive_problems(plain.open("rb")) == []
    bomb = inflated(plain, tmp_path / "bomb.pt")
    with zipfile.ZipFile(bomb) as zf:
        assert zf.getinfo("plain/extra/pad.bin").file_size == MAX_INFLATED_BYTES + 1
    assert bomb.stat().st_size < 1 << 20
    with pytest.raises(UserInputError, match="inflate to"):
        load_model(bomb)


class _SoftmaxWithDtype(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.softmax(x, 1, dtype=torch.float64) + nn.functional.softmax(x, 1)


def test_a_dtype_parameter_is_followed_to_its_callers(tmp_path: Path) -> None:
    bad, good = tmp_path / "bad.pt", tmp_path / "good.pt"
    torch.jit.script(HelperDtype()).save(str(bad))
    torch.jit.script(_SoftmaxWithDtype()).save(str(good))
    with bad.open("rb") as fh:
        assert any("passed to helper(d)" in p for _, p in archive_problems(fh))
    with good.open("rb") as fh:
        assert archive_problems(fh) == []
