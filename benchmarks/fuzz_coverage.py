"""Line-and-edge coverage of the scanner's own code, in-process, for ``fuzz_scanner.py``.

``sys.settrace`` (Python 3.11 has no ``sys.monitoring``) with a global tracer that turns line
tracing on only for code objects whose file lies under the traced folder, so the libraries the
scanner calls (``zipfile``, ``tarfile``, protobuf) cost one call event each and nothing more. An
edge is (code object, previous line, line) inside one frame: a branch taken the other way gives
a new edge even when both of its lines were already reached, which is what lets the fuzzer keep
an input that reaches an ``else`` the corpus never took."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import CodeType, FrameType
from typing import Any

Edge = tuple[int, int, int]  # (id of the code object, previous line or -1, line)


def executable_lines(root: Path) -> dict[str, set[int]]:
    """Per file under ``root`` (relative name), the lines its compiled code can run."""
    out: dict[str, set[int]] = {}
    for path in sorted(root.rglob("*.py")):
        code = compile(path.read_text(), str(path), "exec")
        lines: set[int] = set()
        for c in _codes(code):
            lines.update(line for _, _, line in c.co_lines() if line is not None)
        out[str(path.relative_to(root))] = lines
    return out


def _codes(code: CodeType) -> Iterator[CodeType]:
    yield code
    for const in code.co_consts:
        if isinstance(const, CodeType):
            yield from _codes(const)


class Tracer:
    """Collects the edges run under ``root`` while :meth:`collect` is active."""

    def __init__(self, root: Path) -> None:
        self.root = str(root.resolve())
        self._wanted: dict[int, bool] = {}  # id(code) → under root? (code objects live on)
        self._files: dict[int, str] = {}  # id(code) → file, for the line report
        self.current: set[Edge] = set()

    def _global(self, frame: FrameType, event: str, arg: Any) -> Any:
        code = frame.f_code
        cid = id(code)
        wanted = self._wanted.get(cid)
        if wanted is None:
            wanted = self._wanted[cid] = code.co_filename.startswith(self.root)
            if wanted:
                self._files[cid] = code.co_filename
        if not wanted:
            return None
        current, prev = self.current, -1

        def local(frame: FrameType, event: str, arg: Any) -> Any:
            nonlocal prev
            if event == "line":
                line = frame.f_lineno
                current.add((cid, prev, line))
                prev = line
            return local

        return local

    def start(self) -> None:
        """Trace this thread and threads started from now on; a fresh edge set."""
        self.current = set()
        threading.settrace(self._global)
        sys.settrace(self._global)

    def stop(self) -> set[Edge]:
        """Stop tracing; the edges run since :meth:`start`."""
        sys.settrace(None)
        threading.settrace(None)  # type: ignore[arg-type]
        return self.current

    def lines(self, edges: set[Edge]) -> dict[str, set[int]]:
        """The lines ``edges`` reached, per file relative to the traced folder."""
        out: dict[str, set[int]] = {}
        for cid, _, line in edges:
            name = str(Path(self._files[cid]).relative_to(self.root))
            out.setdefault(name, set()).add(line)
        return out
