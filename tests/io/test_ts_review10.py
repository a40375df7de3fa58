"""The round-10 security review of the TorchScript proxy (issue 4, stop 38): the pipes a
worker holds, an interrupted call, a sticky refusal, the lift's crash, malformed frames."""

from __future__ import annotations

import contextlib
import os
import struct
import time
from pathlib import Path

import pytest
import torch
from torch import nn

from trojanscope.io import ts_frames, ts_proxy, ts_sandbox
from trojanscope.io.models import load_model
from trojanscope.io.ts_sandbox import ChildRefusal


class _Lin(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x)


def _model(tmp_path: Path, name: str = "m.pt", seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    path = tmp_path / name
    torch.jit.script(_Lin()).save(str(path))
    return load_model(path, scan=False).module


def _descendants(pid: int) -> list[int]:
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            kids.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for kid in kids.get(todo.pop(), []):
            out.append(kid)
            todo.append(kid)
    return out


def _links(pid: int) -> set[str]:
    out = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            with contextlib.suppress(OSError):
                out.add(os.readlink(f"/proc/{pid}/fd/{fd}"))
    except OSError:
        pass
    return out


def test_no_worker_holds_the_parents_pipes_or_other_workers(tmp_path: Path) -> None:
    a, b = _model(tmp_path, "a.pt", 1), _model(tmp_path, "b.pt", 2)
    assert a(torch.zeros(2, 4)).shape == b(torch.zeros(2, 4)).shape == (2, 3)
    proc = ts_sandbox._SERVER.proc
    parent = {os.readlink(f"/proc/self/fd/{f.fileno()}") for f in (proc.stdin, proc.stdout)}
    tree = _descendants(proc.pid)
    python = [p for p in tree if "ts_child.py" in Path(f"/proc/{p}/cmdline").read_text()]
    assert python, "no server found"
    server = python[0]
    workers = [p for p in tree if p != server and p in _descendants(server)]
    assert len(workers) >= 2
    server_pipes = {x for x in _links(server) if x.startswith("pipe:")}
    for pid in workers:
        pipes = {x for x in _links(pid) if x.startswith("pipe:")}
        assert not pipes & parent  # fd 4/5: the parent<->server pipes
        assert len(pipes) == 2  # its own two ends, none of another worker's
    assert parent <= server_pipes


def test_a_late_or_partial_answer_times_out() -> None:
    read_fd, write_fd = os.pipe()
    os.write(write_fd, struct.pack(">Q", 100) + b"x" * 10)  # a frame that never ends
    start = time.monotonic()
    with pytest.raises(TimeoutError):
        ts_sandbox._read_capped(read_fd, 1 << 20, time.monotonic() + 0.5)
    assert time.monotonic() - start < 5
    os.close(read_fd)
    os.close(write_fd)


def test_an_answer_for_another_request_stops_the_server(tmp_path: Path) -> None:
    server = ts_sandbox._Server()
    head = b'{"status": "ok", "seq": -1}'
    answer = tmp_path / "answer"
    answer.write_bytes(struct.pack(">Q", len(head)) + head + struct.pack(">Q", 0))

    class _Proc:
        stdin, stdout = open(os.devnull, "wb"), open(answer, "rb")  # noqa: SIM115

        def poll(self) -> None:
            return None

        def kill(self) -> None:
            self.killed = True

        def wait(self) -> int:
            return 0

    server.proc = fake = _Proc()
    with pytest.raises(Exception, match="answered more than it may"):
        server.exchange({"kind": "call", "wall_s": 1}, b"", 1 << 20)
    assert fake.killed and server.proc is None


def test_an_interrupted_call_leaves_no_answer_in_the_pipe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = _model(tmp_path, "i.pt", 3)
    assert model(torch.zeros(3, 4)).shape == (3, 3)
    real = ts_sandbox._read_capped

    def interrupted(*args, **kwargs):
        monkeypatch.setattr(ts_sandbox, "_read_capped", real)
        raise KeyboardInterrupt

    monkeypatch.setattr(ts_sandbox, "_read_capped", interrupted)
    with pytest.raises(KeyboardInterrupt):
        model(torch.zeros(7, 4))
    assert model(torch.zeros(5, 4)).shape == (5, 3)  # its own answer, not the lost one
    assert model(torch.zeros(2, 4)).shape == (2, 3)


def test_a_refusal_is_sticky(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = _model(tmp_path, "s.pt", 4)
    assert model(torch.zeros(1, 4)).shape == (1, 3)
    real = ts_sandbox._SERVER.exchange

    def crash(header, data, max_bytes):
        monkeypatch.setattr(ts_sandbox._SERVER, "exchange", real)
        return {"status": "signal", "detail": "SIGSEGV"}, b""

    monkeypatch.setattr(ts_sandbox._SERVER, "exchange", crash)
    with pytest.raises(ChildRefusal, match="SIGSEGV") as first:
        model(torch.zeros(1, 4))
    with pytest.raises(ChildRefusal) as again:
        model(torch.zeros(1, 4))  # no fresh worker: the same refusal
    assert str(again.value) == str(first.value)
    (tmp_path / "s2.pt").write_bytes((tmp_path / "s.pt").read_bytes())
    with pytest.raises(ChildRefusal):
        load_model(tmp_path / "s2.pt", scan=False)  # the same content opened again


def test_a_crash_in_the_childs_onnx_export_is_a_refusal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from trojanscope.detect.input_level.features import feature_view

    model = _model(tmp_path, "e.pt", 5)
    monkeypatch.setattr(ts_sandbox._SERVER, "ask",
                        lambda header, data: {"status": "signal", "detail": "SIGSEGV"})
    with pytest.raises(ChildRefusal, match="SIGSEGV"):
        ts_sandbox.child_onnx(model, (1, 4))
    with pytest.raises(ChildRefusal):
        feature_view(model, (1, 4))  # not a quiet fallback to the logits


@pytest.mark.parametrize("specs", [
    [{"dtype": "uint8", "shape": [0] + [1 << 20] * 15}],
    [{"dtype": "uint8", "shape": [1 << 20] * 15 + [0]}],
    [{"dtype": ["float32"], "shape": [1]}],
    [{"dtype": {"a": 1}, "shape": [1]}],
])
def test_a_malformed_frame_is_a_frame_error(specs: list) -> None:
    with pytest.raises(ts_frames.FrameError):
        ts_frames.decode(specs, b"", 1 << 20)


@pytest.mark.parametrize("status", [["ok"], {"a": 1}, 3])
def test_a_status_that_is_not_a_string_is_refused(status: object) -> None:
    worker = object.__new__(ts_proxy._Worker)
    worker.source, worker.digest = "m.pt", "0" * 64
    with pytest.raises(ChildRefusal):
        worker._check({"status": status}, "calling it")


class _Big(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * 2

    @torch.jit.export
    def special_ids(self) -> list[int]:
        return list(range(400_000))  # ~3 MB of JSON


class _Dict(nn.Module):
    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        return {"logits": x * 2, "features": x + 1}


def test_a_large_json_answer_is_an_ordinary_error(tmp_path: Path) -> None:
    torch.jit.script(_Big()).save(str(tmp_path / "big.pt"))
    model = load_model(tmp_path / "big.pt", scan=False).module
    with pytest.raises(RuntimeError, match="answer over 1 MiB") as info:
        model.special_ids()
    assert not isinstance(info.value, ChildRefusal)
    assert torch.equal(model(torch.ones(1, 2)), torch.full((1, 2), 2.0))  # still served


def test_a_forward_returning_a_dict_of_tensors_works(tmp_path: Path) -> None:
    torch.jit.script(_Dict()).save(str(tmp_path / "dict.pt"))
    model = load_model(tmp_path / "dict.pt", scan=False).module
    x = torch.rand(2, 3)
    out = model(x)
    assert set(out) == {"logits", "features"}
    assert torch.equal(out["logits"], x * 2) and torch.equal(out["features"], x + 1)


def test_an_answer_over_the_byte_cap_is_the_servers_own_refusal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    torch.jit.script(_Big()).save(str(tmp_path / "cap.pt"))
    model = load_model(tmp_path / "cap.pt", scan=False).module
    monkeypatch.setenv(ts_proxy.MAX_ANSWER_ENV, str(1 / 1024))  # 1 KiB
    with pytest.raises(ChildRefusal, match="answered more than it may"):
        model(torch.ones(1, 1024))


class _Text(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.pad_id, self.insert_at, self.tag, self.causal = 1, 2, "bert", True
        self.fc = nn.Linear(2, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x) + self.pad_id


def test_plain_attributes_read_through_the_proxy(tmp_path: Path) -> None:
    torch.jit.script(_Text()).save(str(tmp_path / "text.pt"))
    model = load_model(tmp_path / "text.pt", scan=False).module
    assert (model.pad_id, model.insert_at, model.tag, model.causal) == (1, 2, "bert", True)
    with pytest.raises(AttributeError):
        model.no_such_attribute  # noqa: B018


def _workers() -> set[int]:
    proc = ts_sandbox._SERVER.proc
    tree = _descendants(proc.pid)
    server = next(p for p in tree if "ts_child.py" in Path(f"/proc/{p}/cmdline").read_text())
    return set(_descendants(server))


def test_a_worker_is_closed_when_its_last_proxy_goes(tmp_path: Path) -> None:
    import gc

    keep = _model(tmp_path, "keep.pt", 6)
    keep(torch.zeros(1, 4))
    before = _workers()
    dropped = _model(tmp_path, "drop.pt", 7)
    copy = __import__("copy").deepcopy(dropped)
    dropped(torch.zeros(1, 4))
    opened = _workers() - before
    assert len(opened) == 1
    del dropped
    gc.collect()
    copy(torch.zeros(1, 4))  # a copy still holds it
    assert opened <= _workers()
    del copy
    gc.collect()
    keep(torch.zeros(1, 4))  # the next request closes the dropped worker
    assert not opened & _workers()


def test_the_onnx_export_of_a_model_over_1_mib_comes_back(tmp_path: Path) -> None:
    from trojanscope.io.script_lift import lift_torchscript

    torch.manual_seed(8)
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 1024), nn.ReLU(), nn.Linear(1024, 10))
    torch.jit.script(net).save(str(tmp_path / "wide.pt"))  # 3.2 MB: its ONNX line is over 4 MiB
    lifted = lift_torchscript(load_model(tmp_path / "wide.pt", scan=False).module, (1, 28, 28))
    x = torch.rand(3, 1, 28, 28)
    assert (lifted(x) - net(x)).abs().max() <= 1e-5
