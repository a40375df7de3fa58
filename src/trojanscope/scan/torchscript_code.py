"""Which operators a TorchScript archive's code names, read as text before anything runs it.

``torch.jit.load`` compiles the archive's ``code/**/*.py`` and runs it: ``__setstate__`` while
loading, ``forward`` on every input. TorchScript cannot import Python modules, but a few of its
operators reach outside tensor arithmetic: ``aten::from_file`` and ``aten::save`` open files
(a file written that way can be a ``.pth`` that Python runs at start-up), ``prim::rpc_*`` talks
to the network, ``set_``/``as_strided``/``_unsafe_index*`` address raw memory, and custom
operator namespaces or ``torch.classes`` (beyond quantized weights) do whatever their native
library does. The code is Python syntax, so it is parsed with :mod:`ast` (never executed) and
every name it uses is checked; an archive naming one of these is refused by the loader and
rated critical by the scanner (TS208).
"""

from __future__ import annotations

import ast
import zipfile

__all__ = ["UNSAFE_OPS", "archive_code_problems", "code_members", "unsafe_names"]

# Operators that open files, reach the network or address memory past a tensor's bounds.
UNSAFE_OPS = frozenset({
    "from_file", "save", "load", "load_tensor",
    "set_", "set_data", "resize_storage_bytes_", "data_ptr", "record_stream",
    "as_strided", "as_strided_", "as_strided_copy", "as_strided_scatter",
    "_unsafe_index", "_unsafe_index_put", "_unsafe_masked_index",
    "_unsafe_masked_index_put_accumulate",
    "rpc_sync", "rpc_async", "rpc_remote",
})
# ``ops.<namespace>.<op>``: the namespaces of PyTorch's own tensor operators.
SAFE_OP_NAMESPACES = frozenset({"aten", "prim", "prims", "quantized", "_quantized", "profiler"})
# ``torch.classes.<namespace>``: PyTorch's own packed quantized weights (other registered
# classes, e.g. c10d's stores and process groups, open sockets).
SAFE_CLASS_NAMESPACES = frozenset({"quantized"})
MAX_CODE_BYTES = 16 << 20  # one code member larger than this is not read (and not loaded)


def code_members(names: list[str]) -> list[str]:
    """The archive members ``torch.jit.load`` compiles: every ``.py`` file under a ``code/``
    folder (``<name>/code/…`` and ``.data/ts_code/…/code/…`` alike)."""
    return [n for n in names if n.endswith(".py") and "/code/" in f"/{n}"]


def _dotted(node: ast.AST) -> list[str]:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return parts[::-1]


def unsafe_names(source: str) -> list[str]:
    """The unsafe operator names ``source`` (one TorchScript code file) uses, in order of first
    use; ``["<unreadable code>"]`` when it is not Python syntax (it cannot be vetted)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return ["<unreadable code>"]
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in UNSAFE_OPS:
            found.append(node.id)
        elif isinstance(node, ast.Attribute):
            if node.attr in UNSAFE_OPS:
                found.append(node.attr)
            parts = _dotted(node)
            for i, part in enumerate(parts[:-1]):
                nxt = parts[i + 1]
                if part == "ops" and nxt not in SAFE_OP_NAMESPACES:
                    found.append(f"ops.{nxt}")
                elif (part == "torch" and nxt == "classes" and i + 2 < len(parts)
                      and parts[i + 2] not in SAFE_CLASS_NAMESPACES):
                    found.append(f"torch.classes.{parts[i + 2]}")
    return list(dict.fromkeys(found))


def archive_code_problems(zf: zipfile.ZipFile) -> list[tuple[str, str]]:
    """``(member, operator)`` for every unsafe operator the archive's TorchScript code names
    (an oversized or undecodable member counts as unreadable)."""
    problems: list[tuple[str, str]] = []
    for info in zf.infolist():
        if info.filename not in code_members([info.filename]):
            continue
        if info.file_size > MAX_CODE_BYTES:
            problems.append((info.filename, "<code too large to read>"))
            continue
        try:
            source = zf.read(info).decode("utf-8")
        except (UnicodeDecodeError, zipfile.BadZipFile, OSError, NotImplementedError,
                RuntimeError):
            problems.append((info.filename, "<unreadable code>"))
            continue
        problems.extend((info.filename, name) for name in unsafe_names(source))
    return problems
