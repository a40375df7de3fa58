"""TorchScript is loaded in a sandboxed child first and then runs only there (a worker answering
calls over a pipe; issue 4, stop 38): a crash, timeout, memory overrun or file write there
refuses the model, with the static checks switched off (a second line of defence, independent
of them; issue 4, stop 37)."""

from __future__ import annotations

import io
import os
import re
import shutil
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import torch
from torch import nn

import trojanscope.scan.torchscript_code as tc
from trojanscope.errors import UserInputError
from trojanscope.io import scan_gate, ts_proxy, ts_sandbox
from trojanscope.io.models import load_model
from trojanscope.io.ts_sandbox import ChildRefusal

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the child needs fork")
BIG = 8 << 30  # bytes: over the child's memory budget, lazily mapped (never touched) here


class _OnLoad(nn.Module):
    """Runs ``state[0]`` as a number of bytes to allocate, or a file to write, at load."""

    def __init__(self, what: str) -> None:
        super().__init__()
        self.what = what

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x

    @torch.jit.export
    def __getstate__(self) -> tuple[str, bool]:
        return (self.what, self.training)

    @torch.jit.export
    def __setstate__(self, state: tuple[str, bool]) -> None:
        what = state[0]
        if what.startswith("alloc:"):
            t = torch.empty([int(what[6:])], dtype=torch.uint8)
            what = what + str(t.numel() * 0)[:0]
        elif what.startswith("loop:"):
            s = 0
            for i in range(int(what[5:])):
                s += i % 3
            what = what + str(s * 0)[:0]
        else:
            written = torch.from_file(what, True, 8, dtype=torch.uint8).fill_(88)
            what = what + str(int(written.sum()) * 0)[:0]
        self.what = what
        self.training = state[1]


class _BadDtypeOnLoad(nn.Module):
    """At load, converts a tensor to dtype code 200: torch indexes its type table out of range
    (a SIGSEGV in every review run, stop 35 round 4)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x

    @torch.jit.export
    def __getstate__(self) -> tuple[int, bool]:
        return (200, self.training)

    @torch.jit.export
    def __setstate__(self, state: tuple[int, bool]) -> None:
        t = torch.ones([4]).to(state[0])
        self.training = state[1] or bool(t.numel() == 0)


_CRASH = """
import sys
import trojanscope.scan.torchscript_code as tc
from trojanscope.io.models import load_model
from trojanscope.io.ts_sandbox import ChildRefusal
tc.archive_problems = lambda fileobj: []
try:
    load_model(sys.argv[1], scan=False)
    print("loaded")
except ChildRefusal as exc:
    print("refused:", exc)
"""


class _AllocOnCall(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[1] == 3:  # only for inputs of three features
            t = torch.empty([8 << 30], dtype=torch.uint8)
            return x + t.numel() * 0
        return x


def _save(module: nn.Module, path: Path) -> Path:
    torch.jit.script(module).save(str(path))
    return path


@pytest.fixture
def static_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every static TorchScript check switched off: only the child stands in the way."""
    monkeypatch.setattr(tc, "archive_problems", lambda fileobj: [])


def test_a_file_write_while_loading_is_refused_by_the_child(tmp_path: Path, static_off) -> None:
    marker = tmp_path / "marker"
    path = _save(_OnLoad(str(marker)), tmp_path / "w.pt")
    # read-only mounts or RLIMIT_FSIZE (SIGXFSZ), and since stop 39 the seccomp filter (EPERM)
    with pytest.raises(ChildRefusal, match=r"sandboxed child process (tried to write a file|"
                       r"tried what its sandbox refuses).*trojanscope scan"):
        load_model(path, scan=False)
    assert not marker.exists() or marker.stat().st_size == 0  # no byte written anywhere


@pytest.fixture(scope="module")
def in_own_process(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """``_LIFT`` on a dead-branch archive, then ``_CRASH`` on a crashing one, in one process of
    their own (stop 71: one interpreter and torch import for both instead of two): each part's
    output, and the process's exit code and last stderr. On code without the child the crash
    kills that process, which the crash test reads; the lift runs first so that it is read
    either way."""
    root = tmp_path_factory.mktemp("own")
    dead = _save(_DeadBranch(), root / "dead.pt")
    crash = _save(_BadDtypeOnLoad(), root / "crash.pt")
    env = dict(os.environ, PYTHONPATH=str(Path(ts_sandbox.__file__).parents[2]))
    script = (f"import sys\nsys.argv[1:] = [{str(dead)!r}]\n{_LIFT}\nprint('--- crash')\n"
              f"sys.argv[1:] = [{str(crash)!r}]\n{_CRASH}")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, timeout=600)
    lift, _, crashed = proc.stdout.partition("--- crash\n")
    return {"lift": lift, "crash": crashed, "code": str(proc.returncode),
            "stderr": proc.stderr[-300:]}


def test_a_crash_while_loading_is_refused_and_this_process_lives(
        in_own_process: dict[str, str]) -> None:
    # in a process of its own: on code without the child, the load kills that process
    out = in_own_process["crash"]
    assert in_own_process["code"] == "0", in_own_process
    # the read out of range ends in a SIGSEGV or a garbage allocation size (bad_alloc)
    assert "refused:" in out and "sandboxed child process" in out
    wording = r"killed by SIG\w+|memory limit|corrupt size|does not hold"
    assert re.search(wording, out), out
    assert "RuntimeError: RuntimeError" not in out


def test_a_memory_overrun_while_loading_is_refused(tmp_path: Path, static_off) -> None:
    path = _save(_OnLoad(f"alloc:{BIG}"), tmp_path / "m.pt")
    with pytest.raises(ChildRefusal, match="loading it in the sandboxed child process ran over "
                       "its memory limit"):
        load_model(path, scan=False)


def test_a_load_that_outlasts_the_deadline_is_refused(
    tmp_path: Path, static_off, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ts_sandbox, "WALL_S", 1.0)
    path = _save(_OnLoad("loop:300000000"), tmp_path / "t.pt")
    with pytest.raises(ChildRefusal, match=r"did not finish within 1 s"):
        load_model(path, scan=False)


def test_a_call_runs_in_the_child_for_every_input(tmp_path: Path, static_off) -> None:
    model = load_model(_save(_AllocOnCall(), tmp_path / "c.pt"), scan=False).module
    assert model(torch.zeros(2, 4)).shape == (2, 4)  # harmless
    with pytest.raises(ChildRefusal, match=r"calling it on inputs of shape \(5, 3\)"):
        model(torch.zeros(5, 3))
    copy = __import__("copy").deepcopy(model)  # a copy runs in the child too
    with pytest.raises(ChildRefusal):
        copy(torch.ones(2, 3))  # another batch size, the same input shape


def test_the_parent_never_loads_the_archive_the_child_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _save(nn.Linear(3, 2), tmp_path / "lin.pt")
    asked: list[bytes] = []
    monkeypatch.setattr(scan_gate, "_CLEAN", set())
    monkeypatch.setattr(ts_proxy, "_OPEN", {})
    ask, opened = ts_sandbox._SERVER.ask, ts_sandbox._SERVER.exchange
    monkeypatch.setattr(ts_sandbox._SERVER, "ask",
                        lambda header, data: asked.append(data) or ask(header, data))
    monkeypatch.setattr(ts_sandbox._SERVER, "exchange", lambda header, data, cap: (
        asked.append(data) if header["kind"] == "open" else None) or opened(header, data, cap))

    def no_load(*args, **kwargs):
        raise AssertionError("torch.jit.load ran in the parent process")

    monkeypatch.setattr(torch.jit, "load", no_load)
    first, second = load_model(path).module, load_model(path).module
    reference = nn.Linear(3, 2)
    with zipfile.ZipFile(io.BytesIO(asked[0])) as zf:
        assert any("/code/__torch__/" in n for n in zf.namelist())  # the archive itself
    # the first load: the worker (no rehearsal since stop 39); the second: none (one worker
    # per content per process)
    assert len(asked) == 1
    x = torch.rand(4, 3)
    assert torch.equal(first(x), second(x)) and first(x).shape == reference(x).shape
    assert not list(first.parameters()) and first.parameter_count == 8


class _Counter(nn.Module):
    """Behaves differently from its third call on (review round 9, G1/G3: the child's
    first-call rehearsal took the harmless path, the parent ran the armed one)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        if self.calls > 2:
            t = torch.empty([8 << 30], dtype=torch.uint8)
            return x + t.numel() * 0
        return x


def test_module_state_that_changes_between_calls_lives_in_the_child(
    tmp_path: Path, static_off
) -> None:
    model = load_model(_save(_Counter(), tmp_path / "n.pt"), scan=False).module
    for _ in range(2):
        assert torch.equal(model(torch.ones(2, 3)), torch.ones(2, 3))
    with pytest.raises(ChildRefusal, match="memory limit"):
        model(torch.ones(2, 3))  # the armed call ran there, not here


class _Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 3, 3)
        self.bn = nn.BatchNorm2d(3)
        self.fc = nn.Linear(3 * 4 * 4, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.tanh(self.bn(self.conv(x))).flatten(1))

    @torch.jit.export
    def special_ids(self) -> list[int]:
        return [0, 2]


def test_outputs_gradients_and_modes_match_the_archive(tmp_path: Path) -> None:
    torch.manual_seed(3)
    path = _save(_Net(), tmp_path / "net.pt")
    model, ref = load_model(path).module, torch.jit.load(str(path))
    x = torch.rand(6, 1, 6, 6)
    assert (model(x) - ref.eval()(x)).abs().max() <= 1e-6
    xa, xb = x.clone().requires_grad_(True), x.clone().requires_grad_(True)
    (model(xa) ** 2)[:, 1].sum().backward()  # an input gradient, as MM-BD takes it
    (ref(xb) ** 2)[:, 1].sum().backward()
    assert (xa.grad - xb.grad).abs().max() <= 1e-6
    model.train()
    ref.train()
    assert (model(x) - ref(x)).abs().max() <= 1e-6  # train mode travels (BatchNorm)
    assert model.special_ids() == [0, 2]
    from trojanscope.detect.coverage import architecture_traits

    assert architecture_traits(model) == architecture_traits(ref) != set()
    from trojanscope.detect.text_arch import layer_kinds

    assert layer_kinds(model) == layer_kinds(ref) == {"Conv2d", "BatchNorm2d", "Linear"}
    with pytest.raises(UserInputError, match="keyword arguments"):
        model(x=x)
    with pytest.raises(AttributeError):
        model.no_such_method()


def test_an_answer_that_is_not_plain_tensors_is_refused() -> None:
    from trojanscope.io import ts_frames

    ok = ts_frames.encode([torch.arange(6.0).reshape(2, 3)])
    assert torch.equal(ts_frames.decode(*ok, 1 << 20)[0], torch.arange(6.0).reshape(2, 3))
    for specs, data in (([{"dtype": "object", "shape": [1]}], b"\0" * 8),
                        ([{"dtype": "float32", "shape": [2, -1]}], b""),
                        ([{"dtype": "float32", "shape": [4]}], b"\0" * 8),
                        ([{"dtype": "float32", "shape": [1]}], b"\0" * 8),
                        ({"dtype": "float32"}, b"")):
        with pytest.raises(ts_frames.FrameError):
            ts_frames.decode(specs, data, 1 << 20)
    with pytest.raises(ts_frames.FrameError, match="cap"):
        ts_frames.decode([{"dtype": "uint8", "shape": [64]}], b"\0" * 64, 32)
    from trojanscope.io.ts_proxy import _printable

    assert _printable("a\x1b[2Jb\nc") == "a [2Jb c"  # no escape sequence reaches the terminal


def test_the_gate_remembers_content_not_path_size_and_time(tmp_path: Path) -> None:
    # a clean archive, then one of the same size and time carrying a pickle that runs a command
    # (a member torch never reads, so only the scan refuses it): scanned again, refused
    base = _save(nn.Linear(3, 2), tmp_path / "lin.pt")
    payload = b"\x80\x04\x8c\x02os\x8c\x06system\x93\x8c\x02id\x85R."

    def variant(blob: bytes) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(base) as zin, zipfile.ZipFile(out, "w") as zout:
            for info in zin.infolist():
                zout.writestr(info, zin.read(info))
            zout.writestr(f"{zin.namelist()[0].split('/')[0]}/extra/p.bin", blob)
        return out.getvalue()

    clean, bad = variant(b"\0" * len(payload)), variant(payload)
    assert len(clean) == len(bad)
    path = tmp_path / "model.pt"
    path.write_bytes(clean)
    stamp = path.stat().st_mtime_ns
    scan_gate._CLEAN.clear()
    load_model(path)
    path.write_bytes(bad)
    os.utime(path, ns=(stamp, stamp))
    with pytest.raises(UserInputError, match="TS1"):
        load_model(path)


def test_without_unshare_the_child_still_refuses_with_a_note(
    tmp_path: Path, static_off, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setattr(ts_sandbox.shutil, "which", lambda name: None)
    monkeypatch.delenv(ts_sandbox.NOTE_ENV, raising=False)
    monkeypatch.setattr(ts_sandbox, "_SERVER", ts_sandbox._Server())
    try:
        assert load_model(_save(nn.Linear(3, 2), tmp_path / "lin.pt"), scan=False)
        assert "unshare -rmn` is not available" in capsys.readouterr().err
        assert ts_sandbox.sandbox_state()["isolated"] is False
        with pytest.raises(ChildRefusal, match="memory limit"):
            load_model(_save(_OnLoad(f"alloc:{BIG}"), tmp_path / "m.pt"), scan=False)
        marker = tmp_path / "marker"
        with pytest.raises(ChildRefusal, match=r"tried to write a file|sandbox refuses"):
            load_model(_save(_OnLoad(str(marker)), tmp_path / "w.pt"), scan=False)
        assert not marker.exists() or marker.stat().st_size == 0
    finally:
        ts_sandbox._SERVER.stop()


class _FileOnCall(nn.Module):
    """Maps a file shared (opened read-write, created when missing) on every call."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        t = torch.from_file(self.path, True, 8, dtype=torch.uint8)
        return x + t.sum() * 0


@pytest.fixture
def no_unshare(monkeypatch: pytest.MonkeyPatch):
    """A server started as on a machine that refuses user namespaces; the static checks off
    (only the child stands in the way)."""
    monkeypatch.setattr(tc, "archive_problems", lambda fileobj: [])
    monkeypatch.setattr(ts_sandbox.shutil, "which", lambda name: None)
    monkeypatch.setattr(ts_sandbox, "_SERVER", ts_sandbox._Server())
    yield
    ts_sandbox._SERVER.stop()


def test_without_unshare_a_model_creates_no_file(tmp_path: Path, no_unshare) -> None:
    """Issue 4, stop 39: the seccomp filter (EPERM) where user namespaces are refused."""
    if ts_sandbox.sandbox_state().get("unconfined"):
        pytest.skip(f"no seccomp here: {ts_sandbox.sandbox_state()['unconfined']}")
    on_load, on_call = tmp_path / "on_load", tmp_path / "on_call"
    with pytest.raises(UserInputError):
        load_model(_save(_OnLoad(str(on_load)), tmp_path / "l.pt"), scan=False)
    assert not on_load.exists()  # before: refused (SIGXFSZ), but the file was created
    model = load_model(_save(_FileOnCall(str(on_call)), tmp_path / "c.pt"), scan=False).module
    assert ts_sandbox.sandbox_state()["isolated"] is False
    assert model._worker.seccomp is True
    with pytest.raises(ChildRefusal, match=r"tried what its sandbox refuses.*not permitted"):
        model(torch.zeros(2, 3))
    assert not on_load.exists() and not on_call.exists()  # not even an empty file
    # the ordinary model beside it: the same numbers as torch, a thread pool of two
    lin = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 2))
    _save(lin, tmp_path / "lin.pt")
    x = torch.randn(7, 3, generator=torch.Generator().manual_seed(3))
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        got = load_model(tmp_path / "lin.pt", scan=False).module(x)
    finally:
        torch.set_num_threads(before)
    assert torch.equal(got, torch.jit.load(str(tmp_path / "lin.pt"))(x))


class _AllocOnGrad(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.requires_grad:  # only for inputs that record a graph (review round 9, G6)
            t = torch.empty([8 << 30], dtype=torch.uint8)
            return x + t.numel() * 0
        return x


def test_a_call_with_inputs_that_require_grad_runs_in_the_child(
    tmp_path: Path, static_off
) -> None:
    model = load_model(_save(_AllocOnGrad(), tmp_path / "g.pt"), scan=False).module
    assert model(torch.zeros(2, 4)).shape == (2, 4)
    assert model(torch.zeros(4, 2).t()).shape == (2, 4)  # other strides: harmless
    with pytest.raises(ChildRefusal, match=r"\(2, 4\) \(requires_grad\).*memory limit"):
        model(torch.zeros(2, 4, requires_grad=True))


class _DeadBranch(nn.Module):
    """A dtype-200 conversion in a branch no call takes: the ONNX exporter's constant
    propagation runs it anyway (review round 9, D_dead_branch_freeze)."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(3, 2)
        self.calls = 0
        self.gate = 10**9
        self.code = 6

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        if self.calls > self.gate:
            x = x + torch.ones([4]).to(self.code + 194).sum()
        return self.fc(x)


_LIFT = """
import sys
import trojanscope.scan.torchscript_code as tc
from trojanscope.errors import UserInputError
from trojanscope.io.models import load_model
from trojanscope.io.script_lift import lift_torchscript
tc.archive_problems = lambda fileobj: []
model = load_model(sys.argv[1], scan=False).module
try:
    lift_torchscript(model, (3,))
    print("lifted")
except UserInputError as exc:
    print("refused:", exc)
"""


def test_the_onnx_export_of_an_archive_runs_in_the_child(in_own_process: dict[str, str]
                                                         ) -> None:
    # the parent survives; whether the dtype-200 read faults in the child's one heap depends
    # on what lies next to it (a fresh clone's run lifted it), so either outcome is fine here
    assert in_own_process["code"] == "0", in_own_process
    out = in_own_process["lift"]
    assert out == "lifted\n" or ("refused:" in out and "export in a sandboxed child" in out), out


def test_a_clean_archive_is_lifted_through_the_child(tmp_path: Path, monkeypatch) -> None:
    from trojanscope.io.script_lift import lift_torchscript

    def no_export_here(*args, **kwargs):
        raise AssertionError("an archive's ONNX export ran in the parent process")

    monkeypatch.setattr(torch.onnx, "export", no_export_here)  # the child has its own torch
    model = load_model(_save(nn.Linear(3, 2), tmp_path / "lin.pt")).module
    lifted = lift_torchscript(model, (3,))
    x = torch.rand(5, 3)
    assert torch.allclose(lifted(x), model(x), atol=1e-5)


class _AllocInMethod(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x

    @torch.jit.export
    def special_ids(self) -> list[int]:  # what the text detectors call (review round 9, M4)
        t = torch.empty([8 << 30], dtype=torch.uint8)
        return [0, int(t.numel() * 0)]


def test_a_method_other_than_forward_runs_in_the_child(tmp_path: Path, static_off) -> None:
    model = load_model(_save(_AllocInMethod(), tmp_path / "m.pt"), scan=False).module
    assert model.forward(torch.zeros(2, 3)).shape == (2, 3)
    with pytest.raises(ChildRefusal, match=r"calling its method special_ids\(\).*memory limit"):
        model.special_ids()


def test_a_working_folder_left_by_a_killed_process_is_swept(tmp_path: Path) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a pid no process holds now
    left = Path(ts_sandbox.tempfile.gettempdir()) / f"{ts_sandbox.WORKDIR_PREFIX}{gone.pid}-x"
    left.mkdir()
    ours = Path(ts_sandbox.tempfile.mkdtemp(prefix=f"{ts_sandbox.WORKDIR_PREFIX}{os.getpid()}-"))
    server = ts_sandbox._Server()
    try:
        server.start()
        assert not left.exists() and ours.exists()
        assert server.hello.get("pid_namespace") in (True, False)
    finally:
        server.stop()
        ours.rmdir()
        shutil.rmtree(left, ignore_errors=True)


class _FakeProc:
    """A server that answers with the given bytes (what a compromised child could send)."""

    def __init__(self, answer: bytes, folder: Path) -> None:
        (folder / "answer").write_bytes(answer)  # read by fd, with a deadline
        self.stdin, self.stdout = open(os.devnull, "wb"), open(folder / "answer", "rb")  # noqa: SIM115
        self.killed = False

    def poll(self) -> None:
        return None

    def kill(self) -> None:
        self.killed = True

    def wait(self) -> int:
        return 0


@pytest.mark.parametrize("answer", [
    struct.pack(">Q", 2 << 20) + b"{" * 64,  # a head over its 1 MiB cap
    struct.pack(">Q", 2) + b"{}" + struct.pack(">Q", 1 << 40),  # bytes over the cap
    struct.pack(">Q", 200_000) + b"[" * 200_000,  # JSON nested past the stack
    struct.pack(">Q", 2) + b"[]" + struct.pack(">Q", 0),  # not an object
])
def test_an_answer_over_its_caps_stops_the_server(answer: bytes, tmp_path: Path) -> None:
    server = ts_sandbox._Server()
    server.proc = fake = _FakeProc(answer, tmp_path)
    with pytest.raises(UserInputError, match="answered more than it may"):
        server.exchange({"kind": "call"}, b"", 1 << 20)
    assert fake.killed and server.proc is None  # never read from again


def test_a_loaded_torchscript_mlp_reads_dense_from_the_childs_graph(tmp_path: Path) -> None:
    """Stop 38: a user's TorchScript file is a proxy with no graph and no hooks here, so
    ``auto``'s dense scope (the frame probe and 15 pixels on MLPs) must come from the child's
    reading of the graph; without it every TorchScript MLP read as a convolutional model."""
    from trojanscope.mitigate.stripe_projection import script_dense_network

    torch.manual_seed(0)
    mlp = nn.Sequential(nn.Flatten(), nn.Linear(64, 8), nn.ReLU(), nn.Linear(8, 3)).eval()
    cnn = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(72, 3)).eval()
    dense = load_model(_save(mlp, tmp_path / "mlp.pt"), scan=False).module
    conv = load_model(_save(cnn, tmp_path / "cnn.pt"), scan=False).module
    assert isinstance(dense, ts_proxy.SandboxedModule)
    assert dense.graph_dense is True and script_dense_network(dense)
    assert conv.graph_dense is False and not script_dense_network(conv)
