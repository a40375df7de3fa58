"""Static analysis of Python source that a model folder ships (``trust_remote_code`` files).

The source is parsed with :mod:`ast` and never imported or run. Names are resolved through
the file's imports and aliases (``import os as o``, ``from subprocess import Popen as P``,
``f = os.system``), constant strings are folded (``"o" + "s"``, ``"".join([...])``,
``"metsys"[::-1]``, ``chr(111)``), and ``__import__("os")``, ``importlib.import_module("os")``
and ``getattr(mod, "system")`` are followed when their operands are constants. Every use of a
dangerous name is one :class:`CodeHit` in a category (the rule it fires); operands that are
not constants are hits of their own (dynamic imports and attribute lookups hide the target).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

# Categories (rule ids in rules.toml) and the qualified names that fall in them. A module
# name covers everything in it; "module.name" covers one object and what is reached from it.
EXEC, PROCESS, NETWORK, FILE_WRITE, ENV, OBFUSCATION, DESERIALIZE, UNPARSEABLE, DYN_IMPORT = (
    "TS410", "TS411", "TS412", "TS413", "TS414", "TS415", "TS416", "TS417", "TS418")

NAMES: dict[str, tuple[str, ...]] = {
    EXEC: ("builtins.eval", "builtins.exec", "builtins.compile", "builtins.execfile",
           "builtins.breakpoint", "marshal", "types.CodeType", "types.FunctionType", "ctypes",
           "_ctypes", "cffi", "runpy", "code.InteractiveInterpreter", "code.InteractiveConsole",
           "code.interact", "codeop", "torch.utils.cpp_extension", "torch.ops.load_library",
           "torch.classes.load_library"),
    PROCESS: ("os.system", "os.popen", "os.execv", "os.execve", "os.execl", "os.execle",
              "os.execlp", "os.execlpe", "os.execvp", "os.execvpe", "os.spawnl", "os.spawnle",
              "os.spawnlp", "os.spawnv", "os.spawnve", "os.spawnvp", "os.posix_spawn",
              "os.posix_spawnp", "os.fork", "os.forkpty", "os.startfile", "os.kill",
              "subprocess", "pty", "commands", "popen2", "asyncio.create_subprocess_exec",
              "asyncio.create_subprocess_shell", "multiprocessing.Process", "pexpect",
              "sh", "plumbum", "platform.popen"),
    NETWORK: ("socket", "ssl", "http.client", "http.server", "urllib.request", "urllib2",
              "urllib3", "requests", "httpx", "aiohttp", "ftplib", "smtplib", "telnetlib",
              "imaplib", "poplib", "paramiko", "websocket", "websockets", "xmlrpc",
              "socketserver", "huggingface_hub.hf_hub_download",
              "huggingface_hub.snapshot_download", "huggingface_hub.file_download",
              "transformers.utils.hub.cached_file", "torch.hub", "webbrowser", "dns"),
    DESERIALIZE: ("pickle.load", "pickle.loads", "pickle.Unpickler", "_pickle", "cPickle",
                  "dill", "cloudpickle", "joblib.load", "shelve", "jsonpickle",
                  "yaml.unsafe_load", "yaml.full_load", "pandas.read_pickle"),
    ENV: ("os.environ", "os.getenv", "os.putenv", "os.unsetenv", "os.environb"),
    DYN_IMPORT: ("imp", "zipimport", "importlib.machinery", "importlib.reload",
                 "importlib.util.spec_from_file_location", "importlib.util.module_from_spec",
                 "importlib.util.spec_from_loader",
                 "importlib.abc", "pkgutil.resolve_name", "sys.path", "sys.meta_path",
                 "sys.path_hooks", "site"),
    OBFUSCATION: ("builtins.globals", "builtins.__builtins__", "builtins.__dict__"),
}
_FILE_MUTATORS = ("os.remove", "os.unlink", "os.rmdir", "os.removedirs", "os.rename",
                  "os.replace", "os.chmod", "os.chown", "os.symlink", "os.link", "os.truncate",
                  "os.makedirs", "os.mkdir", "shutil.rmtree", "shutil.copy", "shutil.copy2",
                  "shutil.copyfile", "shutil.copytree", "shutil.move", "shutil.chown")
_PATH_WRITERS = ("write_text", "write_bytes", "unlink", "rmdir", "rename", "replace", "chmod",
                 "symlink_to", "hardlink_to", "touch", "mkdir")
_DECODERS = ("base64", "binascii", "codecs.decode", "zlib.decompress", "bz2.decompress",
             "lzma.decompress", "gzip.decompress", "bytes.fromhex", "builtins.bytes.fromhex")
_EXECUTORS = ("builtins.eval", "builtins.exec", "builtins.compile", "marshal.loads",
              "pickle.loads", "types.FunctionType")
# Imports of code that only builds models: a file importing nothing else is "model code".
MODEL_MODULES = frozenset({
    "torch", "transformers", "math", "typing", "typing_extensions", "dataclasses",
    "collections", "functools", "itertools", "einops", "numpy", "warnings", "copy", "abc",
    "enum", "__future__", "inspect", "logging", "re", "string", "unicodedata", "json",
    "os.path", "safetensors", "tokenizers", "sentencepiece", "packaging", "operator",
    "contextlib", "regex", "sentence_transformers"})
LONG_CONSTANT = 2000  # an encoded blob longer than this in source is obfuscation
_BUILTINS = frozenset({"eval", "exec", "compile", "__import__", "getattr", "setattr", "open",
                       "globals", "breakpoint", "execfile", "__builtins__", "bytes"})
# Modules whose attributes, looked up with a name built at run time, hide a dangerous call.
_DANGEROUS_BASES = frozenset({"os", "sys", "builtins", "builtins.__builtins__", "subprocess",
                              "importlib", "shutil", "socket", "ctypes", "pickle", "marshal",
                              "posix", "nt", "pty", "runpy", "code"})


@dataclass(frozen=True)
class CodeHit:
    """One dangerous use: the rule it fires, the resolved name, the source line."""

    rule: str
    name: str
    line: int
    detail: str
    severity: str | None = None  # overrides the rule's severity (a write inside the folder)


@dataclass
class CodeReport:
    """What one Python file imports, calls and does that matters for a model folder."""

    imports: list[str] = field(default_factory=list)
    relative_imports: list[str] = field(default_factory=list)  # ".utils", "..", "."
    calls: list[str] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)
    hits: list[CodeHit] = field(default_factory=list)
    error: str | None = None

    @property
    def model_code_only(self) -> bool:
        """Imports only model-building libraries and nothing dangerous was found."""
        return not self.hits and self.error is None and all(
            _top(m) in MODEL_MODULES or m in MODEL_MODULES for m in self.imports)


def _top(name: str) -> str:
    return name.split(".", 1)[0]


def category_of(name: str) -> str | None:
    """The rule a qualified name falls in (longest matching prefix), or None."""
    best: tuple[int, str] | None = None
    for rule, names in NAMES.items():
        for pattern in names:
            if (name == pattern or name.startswith(pattern + ".")) and \
                    (best is None or len(pattern) > best[0]):
                best = (len(pattern), rule)
    return best[1] if best else None


def _matches(name: str | None, patterns: tuple[str, ...]) -> bool:
    return name is not None and any(name == p or name.startswith(p + ".") for p in patterns)


class _Analyser(ast.NodeVisitor):
    def __init__(self) -> None:
        self.report = CodeReport()
        self.alias: dict[str, str] = {}  # local name -> qualified name
        self.decoded: set[str] = set()  # local names assigned from a decoder
        self.star: list[str] = []  # modules imported with ``from m import *``
        self.seen: set[tuple[str, str, int]] = set()

    # -- bookkeeping -------------------------------------------------------------------------
    def hit(self, rule: str, name: str, node: ast.AST, detail: str,
            severity: str | None = None) -> None:
        line = getattr(node, "lineno", 0)
        if (rule, name, line) not in self.seen:
            self.seen.add((rule, name, line))
            self.report.hits.append(CodeHit(rule, name, line, detail, severity))

    def const(self, node: ast.AST | None) -> str | None:
        """The string value of a constant expression, when it is one."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str | bytes):
            v = node.value
            return v if isinstance(v, str) else v.decode("latin-1")
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            a, b = self.const(node.left), self.const(node.right)
            return a + b if a is not None and b is not None else None
        if isinstance(node, ast.JoinedStr):
            parts = [self.const(v.value) if isinstance(v, ast.FormattedValue) else self.const(v)
                     for v in node.values]
            return "".join(parts) if all(p is not None for p in parts) else None  # type: ignore[arg-type]
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
            s = self.const(node.value)
            sl = node.slice
            if s is not None and sl.lower is None and sl.upper is None and \
                    isinstance(sl.step, ast.UnaryOp) and isinstance(sl.step.op, ast.USub) and \
                    isinstance(sl.step.operand, ast.Constant) and sl.step.operand.value == 1:
                return s[::-1]
        if isinstance(node, ast.Call):
            fn = node.func
            if isinstance(fn, ast.Name) and fn.id == "chr" and len(node.args) == 1 and \
                    isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, int):
                try:
                    return chr(node.args[0].value)
                except (ValueError, OverflowError):
                    return None
            if isinstance(fn, ast.Attribute) and fn.attr == "join" and len(node.args) == 1:
                sep = self.const(fn.value)
                seq = node.args[0]
                if sep is not None and isinstance(seq, ast.List | ast.Tuple):
                    parts = [self.const(e) for e in seq.elts]
                    if all(p is not None for p in parts):
                        return sep.join(parts)  # type: ignore[arg-type]
        return None

    def resolve(self, node: ast.AST) -> str | None:
        """The qualified name an expression refers to (``o.system`` -> ``os.system``)."""
        if isinstance(node, ast.Name):
            if node.id in self.alias:
                return self.alias[node.id]
            if node.id in _BUILTINS:
                return f"builtins.{node.id}"
            for module in self.star:  # from os import *; system(...)
                if category_of(f"{module}.{node.id}") or \
                        _matches(f"{module}.{node.id}", _FILE_MUTATORS):
                    return f"{module}.{node.id}"
            return None
        if isinstance(node, ast.Attribute):
            base = self.resolve(node.value)
            return f"{base}.{node.attr}" if base else None
        if isinstance(node, ast.Call):
            fn = self.resolve(node.func)
            if fn in ("builtins.__import__", "importlib.import_module", "importlib.__import__") \
                    and node.args:
                return self.const(node.args[0])
            if fn == "builtins.getattr" and len(node.args) >= 2:
                base, attr = self.resolve(node.args[0]), self.const(node.args[1])
                return f"{base}.{attr}" if base and attr else None
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute | ast.Name):
            # sys.modules["os"], __builtins__["eval"], os.__dict__["system"]
            base = self.resolve(node.value)
            key = self.const(node.slice)
            if base == "sys.modules" and key:
                return key
            if base in ("builtins.__builtins__", "builtins.__dict__") and key:
                return f"builtins.{key}"
            if base and base.endswith(".__dict__") and key:
                return f"{base[:-len('.__dict__')]}.{key}"
        return None

    def judge(self, name: str | None, node: ast.AST, how: str) -> None:
        if not name:
            return
        rule = category_of(name)
        if rule is not None:
            self.hit(rule, name, node, f"{how} {name}")
        elif _matches(name, _FILE_MUTATORS):
            paths = [self.const(a) for a in getattr(node, "args", [])]
            outside = [p for p in paths if p is not None and _outside(p)]
            if outside:
                self.hit(FILE_WRITE, name, node, f"{how} {name} on {outside[0]!r}, outside "
                         "the model folder")
            else:
                self.hit(FILE_WRITE, name, node, f"{how} {name} (changes files at paths "
                         "computed at run time)", "medium")

    # -- imports -----------------------------------------------------------------------------
    def visit_Import(self, node: ast.Import) -> None:
        for a in node.names:
            self.report.imports.append(a.name)
            self.alias[a.asname or a.name.split(".")[0]] = a.name if a.asname else \
                a.name.split(".")[0]
            self._judge_import(a.name, node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            self.report.relative_imports.append("." * node.level + (node.module or ""))
            for a in node.names:
                if not node.module:
                    self.report.relative_imports.append("." * node.level + a.name)
            return
        module = node.module or ""
        self.report.imports.append(module)
        for a in node.names:
            if a.name == "*":
                self.star.append(module)
                if category_of(module) or _matches(module, _DECODERS):
                    self.hit(OBFUSCATION if not category_of(module) else category_of(module)
                             or OBFUSCATION, module, node, f"star import from {module}")
                continue
            full = f"{module}.{a.name}"
            self.alias[a.asname or a.name] = full
            self._judge_import(full, node)

    def _judge_import(self, name: str, node: ast.AST) -> None:
        rule = category_of(name)
        if rule is not None and rule != ENV:
            self.hit(rule, name, node, f"imports {name}")

    # -- names, attributes, calls ------------------------------------------------------------
    def visit_Assign(self, node: ast.Assign) -> None:
        value = self.resolve(node.value)
        decodes = self._decodes(node.value)
        for target in node.targets:
            if isinstance(target, ast.Name):
                if value:
                    self.alias[target.id] = value
                if decodes:
                    self.decoded.add(target.id)
            elif isinstance(target, ast.Subscript | ast.Attribute):
                name = self.resolve(target.value)
                if name == "os.environ":
                    self.hit(ENV, name, node, "sets an environment variable")
                elif name == "sys.modules":
                    self.hit(DYN_IMPORT, name, node, "replaces a module in sys.modules")
                elif name in ("builtins", "builtins.__builtins__") or (
                        name is not None and "." not in name and name in _DANGEROUS_BASES):
                    self.hit(OBFUSCATION, name, node, f"patches {name} (monkey-patching)")
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        name = self.resolve(node)
        if name and (category_of(name) or _matches(name, _FILE_MUTATORS)) and \
                not isinstance(node.ctx, ast.Store):
            self.judge(name, node, "uses")
            return  # the resolved name covers the whole chain
        if node.attr in ("__globals__", "__code__", "__subclasses__", "__builtins__",
                         "__getattribute__", "__mro__", "__bases__") and not name:
            self.hit(OBFUSCATION, node.attr, node,
                     f"reaches interpreter internals via .{node.attr}")
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load) and node.id in ("__builtins__",):
            self.hit(OBFUSCATION, "__builtins__", node, "uses __builtins__")
        elif isinstance(node.ctx, ast.Load):
            name = self.resolve(node)  # an alias, a dangerous builtin, a star import
            if _matches(name, NAMES[EXEC] + NAMES[PROCESS]):
                self.judge(name, node, "uses")

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str | bytes) and len(node.value) > LONG_CONSTANT:
            text = node.value if isinstance(node.value, str) else node.value.decode("latin-1")
            if " " not in text[:LONG_CONSTANT] and "\n" not in text[:LONG_CONSTANT]:
                self.hit(OBFUSCATION, "long-constant", node,
                         f"a {len(text)}-character string without spaces (an encoded payload?)")

    def _decodes(self, node: ast.AST) -> bool:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call):
                fn = self.resolve(sub.func)
                if _matches(fn, _DECODERS) or (isinstance(sub.func, ast.Attribute) and
                                               sub.func.attr in ("b64decode", "fromhex",
                                                                 "decompress", "a2b_base64")):
                    return True
                if isinstance(sub.func, ast.Attribute) and sub.func.attr == "join" and \
                        any(isinstance(g, ast.GeneratorExp | ast.ListComp) and
                            "chr" in ast.dump(g) for g in sub.args):
                    return True
            if isinstance(sub, ast.Name) and sub.id in self.decoded:
                return True
        return False

    def visit_Call(self, node: ast.Call) -> None:
        fn = self.resolve(node.func)
        if fn:
            self.report.calls.append(fn)
        self._check_call(fn, node)
        self.generic_visit(node)

    def _check_call(self, fn: str | None, node: ast.Call) -> None:
        if fn in _EXECUTORS and any(self._decodes(a) for a in node.args):
            self.hit(OBFUSCATION, fn, node, f"{fn} runs decoded data (decode then execute)",
                     "critical")
        if fn in ("builtins.__import__", "importlib.import_module", "importlib.__import__"):
            target = self.const(node.args[0]) if node.args else None
            if target is None:
                self.hit(DYN_IMPORT, fn, node, f"{fn} with a name built at run time")
            else:
                self.judge(target, node, f"imports (via {fn.rsplit('.', 1)[-1]})")
                self.report.imports.append(target)
        elif fn == "builtins.getattr" and len(node.args) >= 2:
            if self.const(node.args[1]) is None:
                base = self.resolve(node.args[0])
                if base in _DANGEROUS_BASES or (base is not None and category_of(base)):
                    self.hit(OBFUSCATION, f"getattr({base}, ...)", node,
                             f"getattr on {base} with a name built at run time")
            else:
                self.judge(self.resolve(node), node, "reaches (via getattr)")
        elif fn == "builtins.open":
            self._check_open(node)
        elif fn == "builtins.setattr" and node.args and \
                self.resolve(node.args[0]) in _DANGEROUS_BASES:
            target = self.resolve(node.args[0])
            self.hit(OBFUSCATION, f"setattr({target}, ...)", node,
                     f"patches {target} with setattr (monkey-patching)")
        elif fn is not None:
            self.judge(fn, node, "calls")
            if fn in ("torch.load",) and not _kw_true(node, "weights_only"):
                self.hit(DESERIALIZE, fn, node, "torch.load without weights_only=True (unpickles)")
            if fn in ("numpy.load",) and _kw_true(node, "allow_pickle"):
                self.hit(DESERIALIZE, fn, node, "numpy.load with allow_pickle=True")
            if fn == "yaml.load" and not any(
                    "Safe" in ast.dump(k.value) for k in node.keywords if k.arg == "Loader"):
                self.hit(DESERIALIZE, fn, node, "yaml.load without a safe Loader")
        if isinstance(node.func, ast.Attribute) and node.func.attr in _PATH_WRITERS and \
                fn is None and node.func.attr in ("write_text", "write_bytes", "unlink",
                                                  "symlink_to", "hardlink_to"):
            self.hit(FILE_WRITE, f".{node.func.attr}", node,
                     f"calls .{node.func.attr}() on a path computed at run time", "medium")

    def _check_open(self, node: ast.Call) -> None:
        mode = self.const(node.args[1]) if len(node.args) > 1 else None
        for k in node.keywords:
            if k.arg == "mode":
                mode = self.const(k.value)
        if mode is None and (len(node.args) > 1 or any(k.arg == "mode" for k in node.keywords)):
            mode = "w?"  # a mode built at run time may write
        if not mode or not any(c in mode for c in "wax+?"):
            return
        path = self.const(node.args[0]) if node.args else None
        if path is None:
            self.hit(FILE_WRITE, "open", node, f"opens a path computed at run time for "
                     f"writing (mode {mode!r})", "medium")
        elif _outside(path):
            self.hit(FILE_WRITE, "open", node, f"opens {path!r} for writing, outside the "
                     "model folder")
        else:
            self.hit(FILE_WRITE, "open", node, f"opens {path!r} for writing (relative to the "
                     "working folder)", "low")


def _outside(path: str) -> bool:
    """A constant path that leaves the working folder: absolute, home, parent, drive."""
    return path.startswith(("/", "~", "\\")) or ".." in path or ":" in path


def _kw_true(node: ast.Call, name: str) -> bool:
    return any(k.arg == name and isinstance(k.value, ast.Constant) and k.value.value is True
               for k in node.keywords)


def analyse_source(text: str, filename: str = "<model code>") -> CodeReport:
    """Parse ``text`` as Python 3 and report imports, calls and dangerous uses (never run)."""
    try:
        tree = ast.parse(text, filename=filename)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        report = CodeReport(error=f"{type(exc).__name__}: {exc}")
        report.hits.append(CodeHit(UNPARSEABLE, "source", getattr(exc, "lineno", 0) or 0,
                                   f"cannot be parsed as Python 3 ({exc}), so it was not "
                                   "analysed"))
        return report
    analyser = _Analyser()
    try:
        analyser.visit(tree)
    except RecursionError:
        analyser.report.hits.append(CodeHit(UNPARSEABLE, "source", 0,
                                            "nested too deeply to analyse"))
    report = analyser.report
    report.classes = [n.name for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]
    report.imports = sorted(set(report.imports))
    report.calls = sorted(set(report.calls))
    return report


__all__ = ["CodeHit", "CodeReport", "analyse_source", "category_of"]
