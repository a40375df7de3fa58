"""Whether a TorchScript archive can reach outside tensor arithmetic, read before anything runs.

``torch.jit.load`` compiles the archive's ``code/**/*.py`` and runs it (``__setstate__`` while
loading, ``forward`` on every input), and unpickles its ``*.pkl`` members with TorchScript's
own unpickler, which rebuilds ``torch.classes`` objects through their native restore
functions. A few operators reach outside tensor arithmetic: ``from_file``/``save`` open files (a
file written that way can be a ``.pth`` that Python runs at start-up), ``rpc_*`` the network,
``set_``/``as_strided``/``_reshape_alias``/``_unsafe_index*`` raw memory; some registered
classes unpickle Python. This module checks, without running anything:

* the zip's layout: torch's reader (miniz) and Python's :mod:`zipfile` must see the same
  members — no bytes before the recorded start, no two names equal ignoring case (miniz looks
  names up without regard to case);
* every ``.py`` member torch compiles (under ``code/``, any case; ``_extra_files`` are bytes
  torch never compiles): parsed with :mod:`ast`; ``torch``/``ops`` chains may not name
  a denied operator, a non-PyTorch operator namespace, ``torch._C`` or reflection
  (``__getattr__``…); no method call may name a denied operator; ``torch``/``ops`` chains
  are only ever called (never bound to a name or passed on, which is all torch's own
  printer writes), so ``getattr`` and friends only reach modules and values the code holds;
* every ``.pkl`` member: only ``GLOBAL`` opcodes, naming what torch's own pickler writes
  (tensor rebuilding, storages, ``torch.jit._pickle``, the archive's ``__torch__`` classes,
  quantized packed weights); every object it builds of the class the code declares where it
  sits (:mod:`trojanscope.scan.torchscript_types`: torch reads a smaller object's slots past
  their end otherwise).

The loader refuses an archive with any problem; the scanner reports each as TS208 (critical).
"""

from __future__ import annotations

import ast
import contextlib
import functools
import io
import json
import pickletools
import re
import struct
import tokenize
import zipfile
import zlib
from importlib import resources
from typing import BinaryIO

from trojanscope.scan.lazy_import import shallow_import
from trojanscope.scan.torchscript_types import ASCII_LOWER, declarations, object_problems
from trojanscope.scan.torchscript_upsample import antialias_problem, is_antialias_operator

__all__ = [
    "archive_problems",
    "compiled_member",
    "is_code_member",
    "pickle_problems",
    "rewritten",
    "unsafe_names",
]

# Operators that open files, reach the network or address memory past a tensor's bounds
# (exact names, then name patterns covering their relatives).
UNSAFE_OPS = frozenset(
    {
        "from_file",
        "save",
        "load",
        "load_tensor",
        "set_",
        "set_data",
        "data_ptr",
        "record_stream",
        "rpc_sync",
        "rpc_async",
        "rpc_remote",
        # reads its indices at negative offsets (review, stop 35): a listed operator that is not
        "embedding_bag",
        "_embedding_bag",
        "_embedding_bag_forward_only",
        "id",  # an object's heap address (review, stop 35): a step towards memory exploits
    }
)
UNSAFE_PATTERN = re.compile(
    r"unsafe|alias|strided|storage|from_file|from_blob|from_buffer|data_ptr|rpc|"
    r"^_?save|^_?load|^_set_|^set_(?!grad_enabled$)|pin_memory|share_memory|_cufft|"
    r"^_debug|^_nested_view|(^|_)file|mmap|^_?pickle|^system$|^exec|^_?fork"
)
# ``ops.<namespace>.<op>``: the namespaces of PyTorch's own tensor operators.
SAFE_OP_NAMESPACES = frozenset({"aten", "prim", "prims", "quantized", "_quantized", "profiler"})
# ``torch.classes.<namespace>``: PyTorch's own packed quantized weights (other registered
# classes open sockets, e.g. c10d's stores, or unpickle Python, e.g. aten's OpaqueObject).
SAFE_CLASS_NAMESPACES = frozenset({"quantized", "profiler"})
# Reflection on ``torch``/``ops`` (operators such as ``torch.__not__`` or ``__contains__`` are
# ordinary aten operators and stay allowed).
REFLECTION = frozenset(
    {
        "__getattr__",
        "__getattribute__",
        "__setattr__",
        "__delattr__",
        "__dict__",
        "__class__",
        "__globals__",
        "__builtins__",
        "__import__",
        "__reduce__",
        "__reduce_ex__",
        "__code__",
        "__subclasses__",
        "__closure__",
        "__loader__",
        "__spec__",
        "__file__",
        "__module__",
    }
)
ATTRIBUTE_BUILTINS = frozenset({"getattr", "hasattr", "setattr", "delattr"})
CHAIN_ROOTS = frozenset({"torch", "ops"})
# Pickle: what torch's own TorchScript pickler writes.
SAFE_GLOBALS = frozenset(
    {
        ("torch._utils", "_rebuild_tensor_v2"),
        ("torch._utils", "_rebuild_qtensor"),
        ("collections", "OrderedDict"),
        ("torch", "device"),
        ("builtins", "complex"),
    }
)
QSCHEMES = frozenset(
    {
        "per_tensor_affine",
        "per_channel_affine",
        "per_tensor_symmetric",
        "per_channel_symmetric",
        "per_channel_affine_float_qparams",
    }
)
GLOBAL_FREE_OPCODES = frozenset({"STACK_GLOBAL", "INST", "OBJ", "EXT1", "EXT2", "EXT4"})
MAX_MEMBER_BYTES = 64 << 20  # a code or pickle member larger than this is not read
# What an archive's compressed members may inflate to in all (review round 9: one deflated
# 1 GiB extra file in a 1.1 MB archive took the parent to 3.3 GiB before the child ran).
# ``torch.jit.save`` stores tensors and deflates only code, debug pickles and extra files:
# 8 kB at most over the 116 ordinary archives measured.
MAX_INFLATED_BYTES = 64 << 20


def denied(name: str) -> bool:
    """Whether an operator or attribute name is one that reaches outside tensor arithmetic."""
    return name in UNSAFE_OPS or bool(UNSAFE_PATTERN.search(name))


def is_code_member(name: str) -> bool:
    """Whether the member is a ``.py`` file (any letter case): code, or an extra file."""
    return name.lower().endswith(".py")


def compiled_member(name: str, prefix: str) -> bool:
    """Whether ``torch.jit.load`` may compile this member: a ``.py`` under ``<prefix>/code/``
    (ASCII letter case folded, as torch's zip reader looks names up). torch compiles only the
    files it finds there by a class's qualified name; it hands ``<prefix>/extra/…`` back as
    bytes to a caller that asks for one by name (``_extra_files``; the loader asks for none),
    and refuses the legacy ``model.json`` format, whose code could sit elsewhere."""
    head = f"{prefix}/code/".translate(ASCII_LOWER)
    return is_code_member(name) and name[: len(head)].translate(ASCII_LOWER) == head


def _dotted(node: ast.AST) -> list[str]:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    parts.append(node.id if isinstance(node, ast.Name) else "<expr>")
    return parts[::-1]


def _chain_problems(parts: list[str]) -> list[str]:
    """Problems of one full attribute chain (``torch.x.y``, ``ops.ns.op``, ``__torch__…``)."""
    found: list[str] = []
    root = parts[0]
    if root in CHAIN_ROOTS:
        for part in parts[1:]:
            if denied(part):
                found.append(part)
            elif part.startswith("_C") or part in REFLECTION:
                found.append(f"{root}…{part}")
    for i, part in enumerate(parts[:-1]):
        nxt = parts[i + 1]
        if part == "ops" and nxt not in SAFE_OP_NAMESPACES:
            found.append(f"ops.{nxt}")
        elif (
            part == "classes"
            and i > 0
            and parts[i - 1] == "torch"
            and (nxt not in SAFE_CLASS_NAMESPACES)
        ):
            found.append(f"torch.classes.{nxt}")
    return found


def defined_methods(source: str) -> set[str]:
    """The function and class names one code file defines (the archive's own code)."""
    try:
        return {
            n.name
            for n in ast.walk(ast.parse(source))
            if isinstance(n, ast.FunctionDef | ast.ClassDef)
        }
    except (SyntaxError, ValueError):
        return set()


def _text_problems(source: str) -> list[str]:
    """Bytes and comments torch's printer never writes (Python's and torch's lexers differ on
    ``\\r`` and on ``# type:`` comments: code hidden from one can be run by the other)."""
    if any(ch != "\n" and not " " <= ch <= "~" for ch in source):
        return ["a character other than printable ASCII or a newline"]
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return ["<unreadable code>"]
    return ["a comment"] if any(t.type == tokenize.COMMENT for t in tokens) else []


def unsafe_names(source: str, own_methods: set[str] | None = None) -> list[str]:
    """The problems of one TorchScript code file, in order of first appearance;
    ``["<unreadable code>"]`` when it is not Python syntax (it cannot be checked).
    ``own_methods``: the methods the whole archive defines (default: this file's)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return ["<unreadable code>"]
    found = _text_problems(source)
    own = own_methods if own_methods is not None else defined_methods(source)
    allowed = allowed_calls()
    parent: dict[ast.AST, ast.AST] = {}
    scopes: dict[ast.AST | None, dict[str, list[ast.expr | None]]] = {}
    setup = _setup_methods(tree)
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parent[child] = node
    for node in ast.walk(tree):
        up = parent.get(node)
        if isinstance(node, ast.Name) and node.id in CHAIN_ROOTS | {"__torch__"}:
            if not (isinstance(up, ast.Attribute) and up.value is node):
                found.append(f"{node.id} used as a value")
        elif isinstance(node, ast.Attribute) and not (
            isinstance(up, ast.Attribute) and up.value is node
        ):
            parts = _dotted(node)
            found.extend(_chain_problems(parts))
            called = isinstance(up, ast.Call) and up.func is node
            if parts[0] in CHAIN_ROOTS and not called:
                found.append(f"{'.'.join(parts)} used as a value")  # torch's printer calls them
            elif parts[0] in CHAIN_ROOTS and _operator(parts) not in allowed["operators"]:
                found.append(f"{'.'.join(parts)}, an operator ordinary models do not call")
        if isinstance(node, ast.Call):
            enclosing = up
            while enclosing is not None and not isinstance(enclosing, ast.FunctionDef):
                enclosing = parent.get(enclosing)
            if enclosing not in scopes:
                scopes[enclosing] = _scope_assignments(enclosing)
            found.extend(_call_problems(node, own, allowed, scopes[enclosing]))
            if isinstance(node.func, ast.Attribute) and is_antialias_operator(node.func.attr):
                enclosing = up
                while enclosing is not None and not isinstance(enclosing, ast.FunctionDef):
                    enclosing = parent.get(enclosing)
                method = _dotted(node.func)[0] not in CHAIN_ROOTS
                why = antialias_problem(node, method, enclosing)
                found.extend([why] if why else [])
        if isinstance(node, ast.FunctionDef):
            if node not in scopes:
                scopes[node] = _scope_assignments(node)
            found.extend(_state_problems(node, parent, scopes[node], setup))
    return list(dict.fromkeys(found))


# Setup methods that may set attributes (torch runs __setstate__ while loading).
SETUP_METHODS = frozenset({"__init__", "__setstate__"})
# Operators whose result shares its first argument's memory (an in-place op on it writes state).
VIEW_OPS = frozenset(
    {
        "select", "slice", "view", "reshape", "narrow", "expand", "expand_as", "transpose",
        "permute", "squeeze", "unsqueeze", "flatten", "unflatten", "detach", "t", "diagonal",
        "view_as", "split", "chunk", "unbind", "movedim", "swapaxes", "__getitem__",
        "contiguous", "alias", "real", "imag", "unfold", "split_with_sizes", "tensor_split",
        "view_as_real", "view_as_complex", "to", "type_as", "squeeze_",
    }
)


def _under_training(node: ast.AST, parent: dict[ast.AST, ast.AST], training: set[str]) -> bool:
    """Whether ``node`` sits in the body of an ``if self.training:`` (or ``if training:``,
    ``training = self.training``, as torch prints it) branch."""
    child, up = node, parent.get(node)
    while up is not None and not isinstance(up, ast.FunctionDef):
        if isinstance(up, ast.If) and child in up.body:
            test = up.test
            if (isinstance(test, ast.Attribute) and test.attr == "training"
                    and isinstance(test.value, ast.Name) and test.value.id == "self"):
                return True
            if isinstance(test, ast.Name) and test.id in training:
                return True
        child, up = up, parent.get(up)
    return False


def _is_state(
    value: ast.expr | None, given: dict[str, list[ast.expr | None]], depth: int = 0
) -> bool:
    """Whether a tensor may be (a view of) a module attribute: ``self.x``, a name given one,
    or a view operator of one."""
    if depth > MAX_NAME_DEPTH:
        return True
    if value is None or value is PARAMETER:
        return False
    if isinstance(value, ast.Attribute):
        return True
    if isinstance(value, ast.Name):
        return any(_is_state(v, given, depth + 1) for v in given.get(value.id, []))
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
        parts = _dotted(value.func)
        method = parts[0] not in CHAIN_ROOTS | {"__torch__"}
        if value.func.attr in VIEW_OPS:
            base = value.func.value if method else (value.args[0] if value.args else None)
            return _is_state(base, given, depth + 1)
    return False


def _self_calls(function: ast.FunctionDef) -> set[str]:
    """The methods a function calls on ``self`` (``(self).name(…)``)."""
    return {
        n.func.attr
        for n in ast.walk(function)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
        and isinstance(n.func.value, ast.Name) and n.func.value.id == "self"
    }


def _setup_methods(tree: ast.AST) -> set[str]:
    """``__init__``, ``__setstate__``, methods nothing here calls, and the methods those call
    on ``self``, transitively."""
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
    called = {
        n.func.attr
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
    }
    # an exported method no code here calls (a quantized layer's ``set_weight_bias``) is
    # setup too: the loader calls ``forward`` (left open: a tool calling another method)
    setup = set(SETUP_METHODS) | {
        f.name for f in functions if f.name not in called and f.name != "forward"
    }
    while True:
        more = set().union(*(_self_calls(f) for f in functions if f.name in setup)) - setup
        if not more:
            return setup
        setup |= more


def _state_problems(
    function: ast.FunctionDef,
    parent: dict[ast.AST, ast.AST],
    given: dict[str, list[ast.expr | None]],
    setup: frozenset[str] | set[str] = SETUP_METHODS,
) -> list[str]:
    """Module state written outside setup and outside ``if self.training:`` (review round 9:
    a counter in ``self.calls`` or a buffer's ``add_`` let the child's first-call rehearsal
    see another path than later calls); a setup method called from elsewhere."""
    if function.name in setup:
        return []
    found: list[str] = [
        f"calls setup method {name} outside setup"
        for name in sorted(_self_calls(function) & (setup - SETUP_METHODS))
    ]
    training = {
        name
        for name, values in given.items()
        if values
        and all(
            isinstance(v, ast.Attribute) and v.attr == "training"
            and isinstance(v.value, ast.Name) and v.value.id == "self"
            for v in values
        )
    }
    for node in ast.walk(function):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for sub in ast.walk(target):
                    if isinstance(sub, ast.Attribute) and not _under_training(
                        node, parent, training
                    ):
                        found.append(f"sets attribute {ast.unparse(sub)} outside setup")
                    elif (
                        isinstance(sub, ast.Subscript)
                        and _is_state(sub.value, given)
                        and not _under_training(node, parent, training)
                    ):  # ``buf[0] = …`` on ``buf = self.buf``: aten::index_put_/copy_
                        found.append(f"writes module state in place ({ast.unparse(sub)})")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            name = node.func.attr
            parts = _dotted(node.func)
            method = parts[0] not in CHAIN_ROOTS | {"__torch__"}
            inplace = name.endswith("_") and not name.endswith("__") and not name.startswith("_")
            written = [node.func.value if method else (node.args[0] if node.args else None)]
            written = written if inplace else []
            written += [k.value for k in node.keywords if k.arg == "out"]
            if any(_is_state(w, given) for w in written) and not _under_training(
                node, parent, training
            ):
                found.append(f"writes module state in place ({ast.unparse(node.func)})")
    return found


def _call_problems(
    node: ast.Call,
    own: set[str],
    allowed: dict[str, frozenset[str]],
    given: dict[str, list[ast.expr | None]] | None = None,
) -> list[str]:
    found = [f"keyword {k.arg}=" for k in node.keywords if k.arg and "unsafe" in k.arg]
    func = node.func
    if (
        isinstance(func, ast.Name)
        and func.id == "unchecked_cast"
        and node.args
        and any(isinstance(n, ast.Name) and n.id == "__torch__" for n in ast.walk(node.args[0]))
    ):
        found.append("unchecked_cast to a class")  # reads slots past a smaller object's
    found.extend(_dtype_problems(node, func, given))
    if isinstance(func, ast.Attribute) and _dotted(func)[0] == "__torch__":
        if func.attr not in own:  # a function of the archive's own code, or nothing
            found.append(f"function {func.attr}")
    elif isinstance(func, ast.Attribute) and _dotted(func)[0] not in CHAIN_ROOTS:
        # a method: one the archive defines, never a tensor method or an aten operator of
        # the same name (TorchScript calls aten::NAME for x.NAME() on a tensor)
        found.extend(_method_problems(func.attr, own, allowed))
    elif isinstance(func, ast.Name) and denied(func.id):
        found.append(func.id)
    elif isinstance(func, ast.Name) and func.id in ATTRIBUTE_BUILTINS:
        target = _dotted(node.args[0])[0] if node.args else "<none>"
        if target in CHAIN_ROOTS | {"__torch__", "<expr>", "<none>"}:
            found.append(f"{func.id} on {target}")
        name = node.args[1] if len(node.args) > 1 else None
        if not (isinstance(name, ast.Constant) and isinstance(name.value, str)):
            found.append(f"{func.id} with a computed name")
        elif _aten_operator(name.value) or denied(name.value):  # getattr(x, "op") is x.op
            found.append(f"{func.id} of operator {name.value}")
    return found


# Enum-like arguments read as indices into torch's tables (review, stop 35 and round 9): the
# highest code each takes (a larger one reads past the table: SIGSEGV).
ENUM_LIMITS = {"ScalarType": 15, "Layout": 7, "MemoryFormat": 3}
ENUM_KEYWORDS = {"dtype": "ScalarType", "layout": "Layout", "memory_format": "MemoryFormat"}
MAX_NAME_DEPTH = 8
PARAMETER = ast.Constant(value=None)  # stands for a function's parameter


@functools.cache
def _enum_arguments(name: str) -> tuple[dict[int, tuple[str, bool]], dict[str, str]]:
    """``(position -> (kind, shared), keyword -> kind)`` of ``aten::name``'s dtype, layout
    and memory format arguments over all its overloads (positions count ``self``; ``shared``:
    another overload takes something else there, e.g. ``to``'s device or tensor)."""
    torch = shallow_import("torch")

    positions: dict[int, tuple[str, bool]] = {}
    others: set[int] = set()
    keywords: dict[str, str] = dict(ENUM_KEYWORDS)
    for schema in torch._C._jit_get_schemas_for_operator(f"aten::{name}"):
        for i, arg in enumerate(schema.arguments):
            real = str(getattr(arg, "real_type", arg.type))
            kind = next((k for k in ENUM_LIMITS if k in real), ENUM_KEYWORDS.get(arg.name))
            if kind is None:
                others.update([] if arg.kwarg_only else [i])
                continue
            keywords.setdefault(arg.name, kind)
            if not arg.kwarg_only:
                positions.setdefault(i, (kind, False))
    return {i: (k, i in others) for i, (k, _) in positions.items()}, keywords


@functools.cache
def _returns_number(name: str) -> bool:
    """Whether some overload of ``aten::name`` returns a number (an int could be a dtype)."""
    torch = shallow_import("torch")

    return any(
        str(r.type) in {"int", "Scalar", "number", "Optional[int]", "float"}
        for schema in torch._C._jit_get_schemas_for_operator(f"aten::{name}")
        for r in schema.returns
    ) or not torch._C._jit_get_schemas_for_operator(f"aten::{name}")


def _not_a_number(
    value: ast.expr | None, given: dict[str, list[ast.expr | None]], depth: int = 0
) -> bool:
    """Whether a value at a position other overloads give a tensor, a device or a list is
    plainly not an int (a list, a string, a tensor operator's result, a parameter typed so)."""
    if value is None or depth > MAX_NAME_DEPTH:
        return False
    if isinstance(value, ast.List | ast.Tuple | ast.ListComp | ast.JoinedStr):
        return True
    if isinstance(value, ast.Constant):
        return not isinstance(value.value, int) or isinstance(value.value, bool)
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
        parts = _dotted(value.func)
        op = _operator(parts).removeprefix("torch.") if parts[0] in CHAIN_ROOTS else parts[-1]
        if parts[:2] == ["ops", "prim"] and parts[-1] in {"device", "dtype"}:
            return True
        return parts[0] in CHAIN_ROOTS and "." not in op and not _returns_number(op)
    if isinstance(value, ast.Name) and value.id in given:
        return all(_not_a_number(v, given, depth + 1) for v in given[value.id])
    return False


def _scope_assignments(function: ast.FunctionDef | None) -> dict[str, list[ast.expr | None]]:
    """Every value each plain name is given in one function (``None``: a parameter, a loop
    variable, an unpacked or augmented assignment: a value not read here)."""
    given: dict[str, list[ast.expr | None]] = {}
    if function is None:
        return given
    for arg in function.args.args + function.args.kwonlyargs + function.args.posonlyargs:
        typed = arg.annotation is not None and re.fullmatch(
            r"(Optional\[)?(Tensor|Device|List\[.*\]|Tuple\[.*\]|str|bool)\]?",
            ast.unparse(arg.annotation),
        )  # a parameter typed so is no number: a list literal stands for it
        # a parameter: its callers' values are not followed here (left open, round 9)
        given.setdefault(arg.arg, []).append(ast.List(elts=[]) if typed else PARAMETER)
    for node in ast.walk(function):
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    given.setdefault(target.id, []).append(node.value)
                else:
                    for sub in ast.walk(target):
                        if isinstance(sub, ast.Name):
                            given.setdefault(sub.id, []).append(None)
        elif isinstance(node, ast.AugAssign | ast.For | ast.comprehension | ast.NamedExpr):
            target = node.target
            for sub in ast.walk(target):
                if isinstance(sub, ast.Name):
                    given.setdefault(sub.id, []).append(None)
    return given


def _enum_value_safe(
    value: ast.expr | None,
    kind: str,
    given: dict[str, list[ast.expr | None]],
    depth: int = 0,
    seen: set[str] | None = None,
) -> bool:
    """Whether an enum argument is a literal in range, ``None``, a tensor's own dtype
    (``ops.prim.dtype(t)``), or a name every assignment of which is one of those (a
    parameter counts as one; its name is added to ``seen``, and its callers' values are
    checked by :func:`_parameter_problems`)."""
    if value is None or depth > MAX_NAME_DEPTH:
        return False
    if isinstance(value, ast.Constant):
        if value.value is None or isinstance(value.value, bool):
            return True  # None, or a bool at a position another overload has a flag in
        return isinstance(value.value, int) and 0 <= value.value <= ENUM_LIMITS[kind]
    if (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Name)
        and value.func.id == "unchecked_cast"
        and len(value.args) == 2
    ):
        return _enum_value_safe(value.args[1], kind, given, depth + 1, seen)
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
        parts = _dotted(value.func)
        return kind == "ScalarType" and parts in (["ops", "prim", "dtype"],
                                                  ["torch", "ops", "prim", "dtype"])
    if isinstance(value, ast.Name) and value.id in given:
        if seen is not None and any(v is PARAMETER for v in given[value.id]):
            seen.add(value.id)
        return all(_enum_value_safe(v, kind, given, depth + 1, seen) for v in given[value.id])
    return False


def _enum_values(node: ast.Call, func: ast.expr) -> list[tuple[ast.expr, str, bool]]:
    """``(value, kind, shared)`` of every dtype/layout/memory-format argument of one call."""
    positions: dict[int, tuple[str, bool]] = {}
    keywords: dict[str, str] = dict(ENUM_KEYWORDS)
    if isinstance(func, ast.Attribute):
        parts = _dotted(func)
        method = parts[0] not in CHAIN_ROOTS
        op = func.attr if method else _operator(parts).removeprefix("torch.")
        if parts[0] != "__torch__" and "." not in op and _aten_operator(op):
            positions, keywords = _enum_arguments(op)
            if method:  # the receiver is ``self``
                positions = {i - 1: k for i, k in positions.items() if i > 0}
    checked = [(k.value, keywords[k.arg], False) for k in node.keywords if k.arg in keywords]
    checked += [(a, *positions[i]) for i, a in enumerate(node.args) if i in positions]
    return checked


def _parameter_problems(trees: dict[str, ast.AST]) -> list[tuple[str, str]]:
    """Values the archive's own functions pass to a parameter that ends up a dtype, layout or
    memory format (torch's scripted ``softmax`` takes one): each call site's value must pass
    :func:`_enum_value_safe` in the caller, whose own parameters are followed in turn."""
    functions = [
        (file, f) for file, tree in trees.items() for f in ast.walk(tree)
        if isinstance(f, ast.FunctionDef)
    ]
    scopes = {f: _scope_assignments(f) for _, f in functions}
    defs: dict[str, list[ast.FunctionDef]] = {}
    for _, f in functions:
        defs.setdefault(f.name, []).append(f)
    enum_params: dict[str, dict[str, str]] = {}
    for _, f in functions:
        for node in ast.walk(f):
            if isinstance(node, ast.Call):
                for value, kind, _ in _enum_values(node, node.func):
                    seen: set[str] = set()
                    _enum_value_safe(value, kind, scopes[f], seen=seen)
                    for name in seen:
                        enum_params.setdefault(f.name, {})[name] = kind
    found: list[tuple[str, str]] = []
    for _ in range(MAX_NAME_DEPTH):
        changed = False
        for file, f in functions:
            aliases = {
                name: v.attr
                for name, values in scopes[f].items()
                for v in values
                if isinstance(v, ast.Attribute) and len(values) == 1
            }
            for node in ast.walk(f):
                if not isinstance(node, ast.Call):
                    continue
                if isinstance(node.func, ast.Attribute):
                    callee = node.func.attr
                elif isinstance(node.func, ast.Name):
                    callee = aliases.get(node.func.id, "")
                else:
                    continue
                for g in defs.get(callee, []) if callee in enum_params else []:
                    params = [a.arg for a in g.args.args]
                    offset = 1 if params[:1] == ["self"] else 0
                    for param, kind in enum_params[callee].items():
                        if param not in params:
                            continue
                        at = params.index(param) - offset
                        named = [k.value for k in node.keywords if k.arg == param]
                        value = named[0] if named else (
                            node.args[at] if 0 <= at < len(node.args) else None
                        )
                        if value is None:
                            continue  # the default, a literal in torch's printed code
                        seen = set()
                        if not _enum_value_safe(value, kind, scopes[f], seen=seen):
                            found.append((file, f"dtype code {ast.unparse(value)} passed to "
                                                f"{callee}({param})"))
                        for name in seen - set(enum_params.get(f.name, {})):
                            enum_params.setdefault(f.name, {})[name] = kind
                            changed = True
        if not changed:
            break
    return list(dict.fromkeys(found))


def _dtype_problems(
    node: ast.Call, func: ast.expr, given: dict[str, list[ast.expr | None]] | None = None
) -> list[str]:
    """A dtype, layout or memory format torch reads as an index into its tables: a code
    outside them reads past the table (review, stop 35), and one computed at run time
    (``torch.to(t, torch.add(self.code, 194))``, review round 9) cannot be checked here —
    every such argument must be a literal in range, ``None``, a tensor's own dtype, or a
    name given only those in its function (``dtype=`` on any call; the operator's
    dtype/layout/memory-format positions of ``torch.op``, ``ops.aten.op``, ``x.op``)."""
    given = given if given is not None else {}
    names = {"ScalarType": "dtype", "Layout": "layout", "MemoryFormat": "memory format"}
    return [
        f"{names[kind]} code {ast.unparse(value)}"
        for value, kind, shared in _enum_values(node, func)
        if not (_enum_value_safe(value, kind, given) or (shared and _not_a_number(value, given)))
    ]


def _method_problems(name: str, own: set[str], allowed: dict[str, frozenset[str]]) -> list[str]:
    if name in allowed["methods"]:
        return []
    if _aten_operator(name):  # x.name() on a tensor calls aten::name, whatever is defined
        return [] if f"torch.{name}" in allowed["operators"] else [f"method {name}"]
    return [] if name in own and not _tensor_method(name) else [f"method {name}"]


@functools.cache
def _aten_operator(name: str) -> bool:
    """Whether ``aten::name`` exists (then ``x.name()`` on a tensor calls it)."""
    torch = shallow_import("torch")

    return bool(torch._C._jit_get_schemas_for_operator(f"aten::{name}"))


def _operator(parts: list[str]) -> str:
    """``torch.<op>`` for ``ops.aten.<op>`` and ``torch.ops.aten.<op>`` (one operator, two
    spellings); other chains as written."""
    for prefix in (["ops", "aten"], ["torch", "ops", "aten"]):
        if parts[: len(prefix)] == prefix and len(parts) == len(prefix) + 1:
            return f"torch.{parts[-1]}"
    return ".".join(parts)


def _tensor_method(name: str) -> bool:
    torch = shallow_import("torch")

    return hasattr(torch.Tensor, name)


@functools.cache
def allowed_calls() -> dict[str, frozenset[str]]:
    """The operators and methods ordinary archives call (``torchscript_ops.json``, made by
    ``benchmarks/torchscript_op_survey.py`` from scripted/traced ``torch.nn`` layers and zoos
    trained by several loops)."""
    data = json.loads(
        resources.files("trojanscope.scan").joinpath("torchscript_ops.json").read_text()
    )
    return {"operators": frozenset(data["operators"]), "methods": frozenset(data["methods"])}


def pickle_problems(data: bytes) -> list[str]:
    """Globals and opcodes in one pickle member that torch's TorchScript pickler never writes."""
    found: list[str] = []
    try:
        for op, arg, _ in pickletools.genops(data):
            if op.name in GLOBAL_FREE_OPCODES:
                found.append(f"pickle opcode {op.name}")
            elif op.name == "GLOBAL":
                module, _, name = str(arg).partition(" ")
                if not _safe_global(module, name):
                    found.append(f"pickle global {module}.{name}")
    except (ValueError, EOFError, TypeError, UnicodeDecodeError) as exc:
        found.append(f"<unreadable pickle: {type(exc).__name__}>")
    return list(dict.fromkeys(found))


def _safe_global(module: str, name: str) -> bool:
    if (module, name) in SAFE_GLOBALS or module == "torch.jit._pickle":
        return True
    if module == "torch":
        return name.endswith("Storage") or name in QSCHEMES
    if module == "__torch__.torch.classes" or module.startswith("__torch__.torch.classes."):
        return module.removeprefix("__torch__.torch.classes.") in SAFE_CLASS_NAMESPACES
    return module == "__torch__" or module.startswith("__torch__.")


def _layout_problems(zf: zipfile.ZipFile, fileobj: BinaryIO) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    end = zipfile._EndRecData(fileobj)  # type: ignore[attr-defined]  # what ZipFile read
    if end is None:
        return [("<archive>", "no end-of-archive record")]
    concat = zf.start_dir - end[zipfile._ECD_OFFSET]  # type: ignore[attr-defined]
    if concat:
        found.append(
            (
                "<archive>",
                f"{concat} bytes before the recorded start (torch and "
                "Python's zipfile would read different members)",
            )
        )
    fileobj.seek(end[zipfile._ECD_LOCATION] - 20)  # type: ignore[attr-defined]
    locator = fileobj.read(20)  # a zip64 locator: torch follows its offset, Python does not
    if len(locator) == 20 and locator[:4] == b"PK\x06\x07":
        recorded = struct.unpack("<Q", locator[8:16])[0]
        if recorded != end[zipfile._ECD_LOCATION] - 20 - 56:  # type: ignore[attr-defined]
            found.append(
                (
                    "<archive>",
                    "the zip64 locator points at another end record than "
                    "the one before it (torch and Python would read different members)",
                )
            )
    seen: dict[str, str] = {}
    prefix = archive_prefix(zf)
    for info in zf.infolist():
        key = info.filename.lower()
        if key in seen:
            found.append((info.filename, f"same name as {seen[key]!r} ignoring case"))
        seen.setdefault(key, info.filename)
        if "\\" in info.filename:
            found.append(
                (info.filename, "a backslash in a member name (readers split it differently)")
            )
        elif not info.filename.startswith(f"{prefix}/"):
            found.append(
                (
                    info.filename,
                    f"outside the archive's folder {prefix!r}, which is all torch reads",
                )
            )
    return found


def archive_prefix(zf: zipfile.ZipFile) -> str:
    """The folder torch reads an archive's records from: its first member's up to ``/``."""
    names = zf.namelist()
    return names[0].split("/", 1)[0] if names else ""


def archive_problems(fileobj: BinaryIO) -> list[tuple[str, str]]:
    """``(member, problem)`` for everything that lets the archive reach outside tensor
    arithmetic, or that cannot be checked; empty when the archive is safe to load."""
    try:
        zf = zipfile.ZipFile(fileobj)
        found = _layout_problems(zf, fileobj)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, struct.error,
            NotImplementedError, OverflowError) as exc:  # "zip version 25.5"; an offset
        # past 2**63 (seek: "Python int too large to convert to C ssize_t")
        return [("<archive>", f"unreadable zip ({exc})")]
    inflated = _inflated_bytes(zf)
    if inflated > MAX_INFLATED_BYTES:
        return [
            *found,
            (
                "<archive>",
                f"compressed members inflate to {inflated} bytes, more than "
                f"{MAX_INFLATED_BYTES} (torch.jit.save deflates only code and extra files)",
            ),
        ]
    code: dict[str, str] = {}
    pickles: dict[str, bytes] = {}
    prefix = archive_prefix(zf)
    for info in zf.infolist():
        low = info.filename.lower()
        if not (compiled_member(info.filename, prefix) or low.endswith(".pkl")):
            continue  # an extra file (`_extra_files`) is bytes torch never compiles
        if info.file_size > MAX_MEMBER_BYTES:
            found.append((info.filename, "<member too large to check>"))
            continue
        try:
            data = zf.read(info)
        except (
            zipfile.BadZipFile,
            OSError,
            NotImplementedError,
            RuntimeError,
            EOFError,
            zlib.error,
            ValueError,
            OverflowError,  # fuzz seed 205: a header offset past 2**63 (zipfile seeks to it)
        ) as exc:
            found.append((info.filename, f"<unreadable member: {type(exc).__name__}>"))
            continue
        if low.endswith(".pkl"):
            found.extend((info.filename, p) for p in pickle_problems(data))
            pickles[info.filename] = data
            continue
        try:
            code[info.filename] = data.decode("utf-8")
        except UnicodeDecodeError:
            code[info.filename] = "\0"  # not Python syntax: reported as unreadable
    own = set().union(*(defined_methods(src) for src in code.values()))
    for name, source in code.items():
        found.extend((name, p) for p in unsafe_names(source, own))
    trees = {}
    for name, source in code.items():
        with contextlib.suppress(SyntaxError, ValueError):
            trees[name] = ast.parse(source)
    found.extend(_parameter_problems(trees))
    # every pickled object of the class the code declares there (code torch reads, nothing else)
    decls = declarations(code, prefix)
    for name, data in pickles.items():
        found.extend((name, p) for p in object_problems(data, decls))
    return found


def _inflated_bytes(zf: zipfile.ZipFile) -> int:
    """What the compressed members :func:`rewritten` copies declare they inflate to (Python's
    zipfile stops a member at its declared size)."""
    return sum(
        info.file_size
        for info in zf.infolist()
        if info.compress_type != zipfile.ZIP_STORED
        and not info.filename.lower().endswith(".debug_pkl")
    )


def rewritten(fileobj: BinaryIO) -> io.BytesIO:
    """The archive as Python's :mod:`zipfile` read it (and the check checked it), written
    afresh without ``.debug_pkl`` members: what torch then loads, so that no difference
    between two zip readers (zip64 records, shifted directories) can show torch other
    members."""
    out = io.BytesIO()
    with zipfile.ZipFile(fileobj) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zw:
        if _inflated_bytes(zin) > MAX_INFLATED_BYTES:  # archive_problems refuses it first
            raise ValueError("compressed members inflate past the cap")
        for info in zin.infolist():
            if not info.filename.lower().endswith(".debug_pkl"):  # the member's own time:
                # the same archive gives the same bytes (the child's verdict is per content)
                zw.writestr(zipfile.ZipInfo(info.filename, info.date_time), zin.read(info))
    out.seek(0)
    return out
