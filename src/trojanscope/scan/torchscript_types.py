"""Whether every object a TorchScript archive's pickles hold is of the class its code declares.

TorchScript's unpickler builds each ``__torch__`` object with the class its pickle names and
stores its attributes without checking them against the types the archive's code declares;
compiled methods then read an attribute's slots by the *declared* class. A pickled ``Small``
where the code declares ``sub : __torch__.Big`` is read past its slots (a crash or a heap read;
review, stop 35), at load time when a ``__setstate__`` reads it. Lists and dicts carry the
element type a ``restore_type_tag`` names, which ``Any`` attributes and ``__setstate__`` trust.

This module replays a pickle member the way torch's unpickler does (``GLOBAL`` pushes a
callable, ``BUILD`` and ``REDUCE`` both call it, ``NEWOBJ`` only drops its argument), without
running anything, and matches every object against the declarations read from the code with
:mod:`ast`: each attribute of a ``__torch__`` object, each ``__setstate__`` state and each
tagged container must hold objects only of the class declared at that place (``Any`` accepts
any object: torch checks a refinement against the object's real class). A place typed by a
``torch.jit.interface`` takes an object of a class the code defines that declares every method
of the interface once, with exactly the interface's parameters and types (torch fills the slot
without checking, and a call through it reads the method's result by the interface's type).
"""

from __future__ import annotations

import ast
import pickletools
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Declarations", "declarations", "object_problems"]

MAX_PROBLEMS = 20


@dataclass
class ClassDecl:
    """What one class of the archive's code declares."""

    kind: str  # "module"/"class" (attributes), "namedtuple", "enum", "interface"
    attributes: dict[str, ast.expr] = field(default_factory=dict)
    fields: list[ast.expr] = field(default_factory=list)  # NamedTuple field types in order
    setstate: ast.expr | None = None  # the state parameter's annotation
    getstate: bool = False  # torch runs __setstate__ only beside a __getstate__
    module_interface: bool = False  # an interface only modules implement (``ModuleInterface``)
    methods: dict[str, list[ast.FunctionDef]] = field(default_factory=dict)  # every def


Declarations = dict[str, ClassDecl]


ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _module_of(member: str, prefix: str | None = None) -> str | None:
    """``__torch__.a.b`` for a member ``<prefix>/code/__torch__/a/b.py``: torch reads module
    ``a.b`` only from ``a/b.py`` under its folder (its zip reader folds ASCII case, nothing
    else), so any other spelling — ``a.b.py``, an empty part, another folder — is not code."""
    if "\\" in member:
        return None  # refused by the layout check; torch would not read it as code
    if prefix is not None:
        head = f"{prefix}/code/"
        if member[: len(head)].translate(ASCII_LOWER) != head.translate(ASCII_LOWER):
            return None
        rel = member[len(head) :]
    else:
        at = f"/{member.translate(ASCII_LOWER)}".find("/code/")
        if at < 0:
            return None
        rel = member[at + len("code/") :]
    if not rel.translate(ASCII_LOWER).endswith(".py"):
        return None
    parts = rel[:-3].split("/")
    if any(not part or "." in part for part in parts):
        return None  # torch never reads `a.b.py` or `a//b.py` as module a.b
    return ".".join(parts)


def _kind(node: ast.ClassDef) -> str:
    bases = {b.id for b in node.bases if isinstance(b, ast.Name)}
    for base, kind in (
        ("NamedTuple", "namedtuple"),
        ("Enum", "enum"),
        ("Interface", "interface"),
        ("ModuleInterface", "interface"),
    ):
        if base in bases:
            return kind
    return "module" if "Module" in bases else "class"


def declarations(code: dict[str, str], prefix: str | None = None) -> Declarations:
    """Class name (qualified, as pickles spell it) -> what the code declares for it; only the
    members torch reads as code (``<prefix>/code/…``) count."""
    found: Declarations = {}
    for member, source in code.items():
        module = _module_of(member, prefix)
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError):
            continue  # reported by the code check
        for node in tree.body:
            if not isinstance(node, ast.ClassDef) or module is None:
                continue
            decl = ClassDecl(_kind(node))
            decl.module_interface = any(
                isinstance(b, ast.Name) and b.id == "ModuleInterface" for b in node.bases
            )
            for stmt in node.body:
                if isinstance(stmt, ast.FunctionDef):
                    decl.methods.setdefault(stmt.name, []).append(stmt)
                if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                    if stmt.value is None:  # `x : T = value` is a constant, not a slot
                        decl.attributes[stmt.target.id] = stmt.annotation
                        decl.fields.append(stmt.annotation)
                    elif decl.kind == "namedtuple":  # but torch counts it as a tuple's field
                        decl.fields.append(stmt.annotation)
                elif isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                    target = stmt.targets[0]  # __annotations__["0"] = T
                    if (
                        isinstance(target, ast.Subscript)
                        and isinstance(target.value, ast.Name)
                        and target.value.id == "__annotations__"
                        and isinstance(target.slice, ast.Constant)
                    ):
                        decl.attributes[str(target.slice.value)] = stmt.value
                elif isinstance(stmt, ast.FunctionDef) and stmt.name == "__setstate__":
                    given = stmt.args  # torch's schema: positional, then keyword-only (`*,`)
                    args = [*given.posonlyargs, *given.args, *given.kwonlyargs]
                    if len(args) > 1 and args[1].annotation is not None:
                        decl.setstate = args[1].annotation
                elif isinstance(stmt, ast.FunctionDef) and stmt.name == "__getstate__":
                    decl.getstate = True
            found[f"{module}.{node.name}"] = decl
    return found


# -- the unpickler's replay -----------------------------------------------------------------
@dataclass(eq=False)
class _Global:
    module: str
    name: str


@dataclass(eq=False)
class _Object:
    cls: str
    state: Any


class _Tagged(list):
    """A list or dict (as a list of pairs) with the type a ``restore_type_tag`` gave it."""

    __slots__ = ("is_dict", "tag")

    def __init__(self, is_dict: bool) -> None:
        super().__init__()
        self.is_dict = is_dict
        self.tag: ast.expr | None = None


class _Leaf:
    """A tensor, storage, device or other value that holds no ``__torch__`` object."""


LEAF = _Leaf()
_MARK = object()
_STRING_OPS = frozenset(
    {
        "STRING",
        "BINSTRING",
        "SHORT_BINSTRING",
        "UNICODE",
        "BINUNICODE",
        "SHORT_BINUNICODE",
        "BINUNICODE8",
        "BINBYTES",
        "SHORT_BINBYTES",
        "BINBYTES8",
        "BYTEARRAY8",
        "INT",
        "LONG",
        "BININT",
        "BININT1",
        "BININT2",
        "LONG1",
        "LONG4",
        "FLOAT",
        "BINFLOAT",
    }
)


class _Unreadable(ValueError):
    pass


def _call(func: Any, arg: Any, created: list[_Object]) -> Any:
    """What torch's unpickler pushes for ``func(arg)`` (BUILD and REDUCE alike)."""
    if not isinstance(func, _Global):  # torch takes any int here as a global's index
        raise _Unreadable("BUILD or REDUCE on something other than an imported name")
    if func.module == "__torch__" or func.module.startswith("__torch__."):
        obj = _Object(f"{func.module}.{func.name}", arg)
        created.append(obj)
        return obj
    if func.module == "torch.jit._pickle" and func.name == "restore_type_tag":
        if not (isinstance(arg, tuple) and len(arg) == 2 and isinstance(arg[1], str)):
            raise _Unreadable("restore_type_tag without (value, type)")
        value = arg[0]
        if isinstance(value, _Tagged):
            value.tag = _parse_type(arg[1])
            if value.tag is None:  # torch's parser may read what Python's cannot (" List[X]")
                raise _Unreadable(f"a type tag the check cannot read: {arg[1][:80]!r}")
        return value
    if (
        func.module == "torch.jit._pickle"
        and func.name.startswith("build_")
        and (func.name.endswith("list"))
    ):
        value = arg[0] if isinstance(arg, tuple) and arg else LEAF
        kind = _SPECIALIZED_LISTS.get(func.name)
        if isinstance(value, _Tagged) and kind is not None:
            value.tag = _parse_type(kind)  # the runtime type torch gives the list it builds
        return value
    return LEAF  # tensors, devices, complex numbers, OrderedDict: no objects inside


_SPECIALIZED_LISTS = {
    "build_intlist": "List[int]",
    "build_doublelist": "List[float]",
    "build_boollist": "List[bool]",
    "build_tensorlist": "List[Tensor]",
}


def _replay(data: bytes) -> list[_Object]:
    """Every ``__torch__`` object the pickle builds (reachable or not: each one is built, and
    runs its ``__setstate__``)."""
    stack: list[Any] = []
    marks: list[list[Any]] = []
    memo: dict[int, Any] = {}
    created: list[_Object] = []

    def pop() -> Any:
        if not stack:
            raise _Unreadable("stack underflow")
        return stack.pop()

    def pop_mark() -> list[Any]:
        nonlocal stack
        if not marks:
            raise _Unreadable("no MARK")
        items, stack = stack, marks.pop()
        return items

    memo_next = 0
    for op, arg, _ in pickletools.genops(data):
        name = op.name
        if name in ("PROTO", "FRAME"):
            continue
        if name == "STOP":
            break
        if name == "MARK":
            marks.append(stack)
            stack = []
        elif name in _STRING_OPS:
            stack.append(arg)
        elif name in ("NONE", "NEWTRUE", "NEWFALSE"):
            stack.append({"NONE": None, "NEWTRUE": True, "NEWFALSE": False}[name])
        elif name == "GLOBAL":
            module, _, attr = str(arg).partition(" ")
            stack.append(_Global(module, attr))
        elif name in ("BINPERSID", "PERSID"):
            if name == "BINPERSID":
                pop()
            stack.append(LEAF)
        elif name == "EMPTY_TUPLE":
            stack.append(())
        elif name in ("TUPLE1", "TUPLE2", "TUPLE3"):
            n = int(name[-1])
            if len(stack) < n:
                raise _Unreadable("stack underflow")
            items = stack[-n:]
            del stack[-n:]
            stack.append(tuple(items))
        elif name == "TUPLE":
            items = pop_mark()  # (stack is the outer frame only after this)
            stack.append(tuple(items))
        elif name in ("EMPTY_LIST", "LIST"):
            lst = _Tagged(False)
            if name == "LIST":
                lst.extend(pop_mark())
            stack.append(lst)
        elif name in ("APPEND", "APPENDS"):
            items = [pop()] if name == "APPEND" else pop_mark()
            target = stack[-1] if stack else None
            if not isinstance(target, _Tagged) or target.is_dict:
                raise _Unreadable("APPEND to something other than a list")
            target.extend(items)
        elif name in ("EMPTY_DICT", "DICT"):
            d = _Tagged(True)
            if name == "DICT":
                items = pop_mark()
                d.extend(zip(items[::2], items[1::2], strict=False))
            stack.append(d)
        elif name in ("SETITEM", "SETITEMS"):
            items = [*stack[-2:]] if name == "SETITEM" else pop_mark()
            if name == "SETITEM":
                del stack[-2:]
            target = stack[-1] if stack else None
            if not isinstance(target, _Tagged) or not target.is_dict or len(items) % 2:
                raise _Unreadable("SETITEM on something other than a dict")
            target.extend(zip(items[::2], items[1::2], strict=True))
        elif name in ("BINPUT", "LONG_BINPUT", "PUT", "MEMOIZE"):
            if not stack:
                raise _Unreadable("memo of an empty stack")
            key = memo_next if name == "MEMOIZE" else int(arg)
            memo[key] = stack[-1]
            memo_next = len(memo)
        elif name in ("BINGET", "LONG_BINGET", "GET"):
            if int(arg) not in memo:
                raise _Unreadable("memo key not set")
            stack.append(memo[int(arg)])
        elif name == "NEWOBJ":
            pop()  # torch drops the argument tuple; BUILD then calls the class
        elif name in ("BUILD", "REDUCE"):
            value = pop()
            result = _call(pop(), value, created)
            stack.append(result)
        elif name == "POP":
            if stack:
                stack.pop()
            else:
                pop_mark()
        elif name == "POP_MARK":
            pop_mark()
        elif name == "DUP":
            if not stack:
                raise _Unreadable("stack underflow")
            stack.append(stack[-1])
        else:  # EXT*, INST, OBJ, STACK_GLOBAL, sets, NEWOBJ_EX…: torch's pickler writes none
            raise _Unreadable(f"opcode {name}")
    return created


# -- matching values against declared types ------------------------------------------------
def _parse_type(text: str) -> ast.expr | None:
    try:
        return ast.parse(text, mode="eval").body
    except (SyntaxError, ValueError):
        return None


def _type_name(node: ast.expr | None) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id, *parts[::-1]])
    return None


def _type_args(node: ast.expr | None) -> tuple[str | None, list[ast.expr]]:
    if isinstance(node, ast.Subscript):
        inner = node.slice
        args = list(inner.elts) if isinstance(inner, ast.Tuple) else [inner]
        return _type_name(node.value), args
    return _type_name(node), []


def _signature(fn: ast.FunctionDef) -> tuple[tuple[tuple[str, str], ...], str] | None:
    """A method's parameters after ``self`` (name and type, ``Tensor`` when unannotated, as
    torch reads them) and its return type; None for what torch's schemas cannot hold
    (``*args``, ``**kwargs``, no ``self``, no return type)."""
    given = fn.args
    params = [*given.posonlyargs, *given.args, *given.kwonlyargs]
    if given.vararg or given.kwarg or not params or fn.returns is None:
        return None
    typed = tuple(
        (p.arg, ast.unparse(p.annotation) if p.annotation is not None else "Tensor")
        for p in params[1:]
    )
    return typed, ast.unparse(fn.returns)


class _Matcher:
    def __init__(self, decls: Declarations) -> None:
        self.decls = decls
        self.placed: dict[int, str] = {}  # a container's id -> the type declared where it sits

    def _one_type(self, declared: ast.expr | None, value: Any) -> bool:
        """One pickled container is one object in torch: held at two places with different
        declared types, what one place appends the other reads as its own class."""
        text = ast.unparse(declared) if declared is not None else ""
        return self.placed.setdefault(id(value), text) == text

    def fits(self, declared: ast.expr | None, value: Any, depth: int = 0) -> bool:
        """Whether ``value`` may sit where ``declared`` is the static type (None: a type that
        cannot be read, which holds no object)."""
        if depth > 64:
            return False
        head, args = _type_args(declared)
        if head in ("Optional", "Union"):
            return value is None or any(self.fits(a, value, depth + 1) for a in args)
        if head == "Final" and args:
            return self.fits(args[0], value, depth + 1)
        if isinstance(value, _Object):
            return head == "Any" or head == value.cls or self._implements(head, value.cls)
        if isinstance(value, _Tagged):
            if head != "Any":
                # torch keeps the tag as the container's runtime type and `isinstance` trusts
                # it: a tag other than the declared type lets an `Any` view fill the container
                # with what the typed place then reads as its own class (review round 8)
                if value.tag is None or ast.unparse(value.tag) != ast.unparse(declared):
                    return False
                if not self._one_type(declared, value):
                    return False
            return self._container(head, args, value, depth)
        if isinstance(value, tuple):
            if head == "Tuple":
                return len(args) == len(value) and all(
                    self.fits(a, v, depth + 1) for a, v in zip(args, value, strict=True)
                )
            decl = self.decls.get(head or "")
            if decl is not None and decl.kind == "namedtuple" and len(decl.fields) == len(value):
                return all(
                    self.fits(a, v, depth + 1) for a, v in zip(decl.fields, value, strict=True)
                )
            kind = "Any" if head == "Any" else None
            return all(self.fits(_parse_type(kind) if kind else None, v, depth + 1) for v in value)
        return True  # numbers, strings, tensors: torch checks their tags when it reads them

    def _implements(self, interface: str | None, cls: str) -> bool:
        """Whether an object of class ``cls`` may fill a place typed by ``interface``: torch
        fills the slot without checking, and a call through it runs ``cls``'s method of that
        name with the interface's argument and return types — so every method the interface
        declares must be defined once on ``cls`` with exactly its parameters and types."""
        iface = self.decls.get(interface or "")
        impl = self.decls.get(cls)
        if iface is None or impl is None or iface.kind != "interface":
            return False
        if impl.kind != ("module" if iface.module_interface else "class"):
            return False
        for name, defs in iface.methods.items():
            own = impl.methods.get(name, [])
            if len(defs) != 1 or len(own) != 1:
                return False
            wanted = _signature(defs[0])
            if wanted is None or _signature(own[0]) != wanted:
                return False
        return True

    def _container(
        self, head: str | None, args: list[ast.expr], value: _Tagged, depth: int
    ) -> bool:
        if value.tag is not None and not self._elements(value.tag, value, depth):
            return False  # the tag is what Any and __setstate__ trust
        if head == "Any" and value.tag is None:
            return self._elements(None, value, depth, anything=True)
        declared = ast.Subscript(value=ast.Name(head or ""), slice=ast.Tuple(args))
        return self._elements(declared, value, depth)

    def _elements(
        self, container: ast.expr, value: _Tagged, depth: int, anything: bool = False
    ) -> bool:
        head, args = _type_args(container)
        if head in ("Optional", "Union", "Final"):
            return any(self._elements(a, value, depth) for a in args)
        anyt = _parse_type("Any")
        if value.is_dict:
            key_t, val_t = args if head == "Dict" and len(args) == 2 else (None, None)
            if anything:
                key_t = val_t = anyt
            return all(
                self.fits(key_t, k, depth + 1) and self.fits(val_t, v, depth + 1) for k, v in value
            )
        elem = args[0] if head == "List" and len(args) == 1 else (anyt if anything else None)
        return all(self.fits(elem, v, depth + 1) for v in value)

    def problems(self, obj: _Object) -> list[str]:
        decl = self.decls.get(obj.cls)
        if obj.cls.startswith("__torch__.torch.classes."):
            return []  # a C++ class: its own typed __setstate__ reads the state
        if decl is None or decl.kind in ("namedtuple", "interface"):
            return [f"pickled object of class {obj.cls}, which the code does not define"]
        if decl.kind == "enum":
            return []
        if decl.setstate is not None:
            if not self.fits(decl.setstate, obj.state):
                return [
                    f"the state pickled for {obj.cls} holds an object of another class "
                    f"than its __setstate__ declares ({ast.unparse(decl.setstate)})"
                ]
            if decl.getstate:
                return []
            # without __getstate__ torch fills the slots from the state by name: check those too
        if not isinstance(obj.state, _Tagged) or not obj.state.is_dict:
            return [f"pickled object of class {obj.cls} without a dict of attributes"]
        found = []
        for key, value in obj.state:
            declared = decl.attributes.get(key) if isinstance(key, str) else None
            if declared is None:
                if isinstance(value, _Object | _Tagged | tuple):
                    found.append(f"{obj.cls}.{key}: pickled but not declared by the code")
            elif not self.fits(declared, value):
                held = value.cls if isinstance(value, _Object) else type(value).__name__
                found.append(
                    f"{obj.cls}.{key} holds {held} where the code declares "
                    f"{ast.unparse(declared)} (read past its slots)"
                )
        return found


def object_problems(data: bytes, decls: Declarations) -> list[str]:
    """Objects in one pickle member that are not of the class the code declares where they
    sit; ``["<unreadable pickle: …>"]`` when torch's unpickler could not replay it either."""
    try:
        created = _replay(data)
    except (
        _Unreadable,
        ValueError,
        EOFError,
        TypeError,
        UnicodeDecodeError,
        RecursionError,
    ) as exc:
        return [f"<pickle the type check cannot replay: {exc}>"]
    matcher = _Matcher(decls)
    found: list[str] = []
    for obj in created:
        found.extend(matcher.problems(obj))
        if len(found) >= MAX_PROBLEMS:
            break
    return list(dict.fromkeys(found))[:MAX_PROBLEMS]
