"""The scanner's policy: import categories, rule catalogue, limits and suppressions, loaded from
the packaged ``rules.toml`` and extended by user config files (same format)."""

from __future__ import annotations

import _compat_pickle
import copy
import fnmatch
import functools
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from trojanscope.errors import UserInputError
from trojanscope.io.hashing import sha256_file
from trojanscope.report.model import TAXONOMY_CLASSES, Finding, RuleInfo, Severity

_ALIASES = {
    "_operator": "operator",
    "_pickle": "pickle",
    "_io": "io",
    "__builtin__": "builtins",
    "exceptions": "builtins",
    "__builtins__": "builtins",
}


@dataclass
class Category:
    """An import category: rule id, severity and the reason shown to users."""

    rule_id: str
    name: str
    severity: Severity
    why: str
    taxonomy: str = "code-in-file"  # an import is code that runs on load
    patterns: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Verdict:
    category: Category
    pattern: str | None  # None: matched no pattern (unknown)
    canonical: str


@dataclass
class Suppression:
    """A reviewed finding to silence: rule id (or ``*``), path glob, file sha256, import glob."""

    rule: str
    reason: str
    path: str | None = None
    sha256: str | None = None
    match: str | None = None

    def matches(self, f: Finding, digest: Callable[[str], str | None]) -> bool:
        if self.rule not in ("*", f.rule_id):
            return False
        if self.path and not (
            fnmatch.fnmatch(f.location.file, self.path)
            or fnmatch.fnmatch(Path(f.location.file).name, self.path)
        ):
            return False
        if self.match:
            target = str(f.evidence.get("global") or f.evidence.get("import") or "")
            if not fnmatch.fnmatch(target, self.match):
                return False
        return not (self.sha256 and digest(f.location.file) != self.sha256.lower())


@dataclass
class ScanLimits:
    max_depth: int = 6
    max_members: int = 100_000
    max_ratio: int = 200
    min_bomb_size: int = 1 << 30
    max_expanded: int = 8 << 30
    max_opcodes: int = 20_000_000
    max_memory_member: int = 256 << 20
    max_onnx_parse: int = 64 << 20
    max_seconds: int = 10


_UNCUT = 16  # a walk's step keeps at most this many parts of the rest of its name (display)


def _exact_pattern(v: Verdict) -> bool:
    return v.pattern is not None and ":" in v.pattern


def canonical_module(module: str) -> str:
    head = module.split(".", 1)[0]
    if module in _compat_pickle.IMPORT_MAPPING:
        return _compat_pickle.IMPORT_MAPPING[module]
    if head in _ALIASES:
        return _ALIASES[head] + module[len(head) :]
    return module


def canonical_global(module: str, name: str) -> tuple[str, str]:
    """Python-3 spelling of a global as the unpickler's ``fix_imports`` would map it."""
    if (module, name) in _compat_pickle.NAME_MAPPING:
        return _compat_pickle.NAME_MAPPING[(module, name)]
    return canonical_module(module), name


class Policy:
    """Classifies imports and holds the rule catalogue, nested loaders, limits, suppressions."""

    def __init__(self) -> None:
        self.categories: dict[str, Category] = {}
        self.rules: dict[str, RuleInfo] = {}
        self.loaders: set[str] = set()
        self.limits = ScanLimits()
        self.suppressions: list[Suppression] = []
        self.unknown = Category(
            "TS150", "unknown-import", Severity.MEDIUM, "not in any list: review what it does"
        )
        self._exact: dict[str, list[Category]] = {}
        self._prefix: dict[str, list[Category]] = {}
        self._risky: dict[str, Verdict] | None = None
        self._longest = 1  # the most dotted parts of any pattern (module and name together)

    # -- loading ---------------------------------------------------------------------------
    def merge(self, data: dict[str, Any], source: str) -> None:
        """Add the content of one parsed rules file; later files extend/override earlier ones."""

        def bad(msg: str) -> UserInputError:
            return UserInputError(f"{source}: {msg}")

        if "unknown_severity" in data:
            self.unknown = replace(self.unknown, severity=Severity.parse(data["unknown_severity"]))

        def taxonomy(entry: dict[str, Any], default: str) -> str:
            value = entry.get("taxonomy", default)
            if value not in TAXONOMY_CLASSES:
                raise bad(
                    f"{entry['id']}: taxonomy must be one of "
                    f"{', '.join(TAXONOMY_CLASSES)}, got {value!r}"
                )
            return value

        for entry in data.get("rules", []):
            if not isinstance(entry, dict) or "id" not in entry:
                raise bad("every [[rules]] entry needs an id")
            old = self.rules.get(entry["id"])
            self.rules[entry["id"]] = RuleInfo(
                entry["id"],
                entry.get("name", old.name if old else entry["id"]),
                entry.get("description", old.description if old else ""),
                Severity.parse(entry.get("severity", old.severity if old else "medium")),
                taxonomy(entry, old.taxonomy if old else "none"),
            )
        for entry in data.get("imports", []):
            if not isinstance(entry, dict) or "id" not in entry:
                raise bad("every [[imports]] entry needs an id")
            patterns = entry.get("patterns", [])
            if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
                raise bad(f"[[imports]] {entry['id']}: patterns must be a list of strings")
            cat = self.categories.get(entry["id"])
            if cat is None:
                for key in ("name", "severity", "why"):
                    if key not in entry:
                        raise bad(f"new import category {entry['id']} needs {key!r}")
                cat = Category(
                    entry["id"],
                    entry["name"],
                    Severity.parse(entry["severity"]),
                    entry["why"],
                    taxonomy(entry, "code-in-file"),
                )
                self.categories[cat.rule_id] = cat
            else:
                if "severity" in entry:
                    cat.severity = Severity.parse(entry["severity"])
                cat.why = entry.get("why", cat.why)
                cat.taxonomy = taxonomy(entry, cat.taxonomy)
            for pattern in patterns:
                self._add_pattern(pattern, cat, source)
            self.rules[cat.rule_id] = RuleInfo(
                cat.rule_id, cat.name, cat.why, cat.severity, cat.taxonomy
            )
        nested = data.get("nested", {})
        self.loaders.update(nested.get("loaders", []))
        for key, value in data.get("limits", {}).items():
            if (not hasattr(self.limits, key) or not isinstance(value, int)
                    or isinstance(value, bool) or value <= 0):  # TOML true is no count
                raise bad(f"[limits] {key} must be a known limit with a positive integer value")
            setattr(self.limits, key, value)
        for entry in data.get("suppress", []):
            if not isinstance(entry, dict) or "rule" not in entry or "reason" not in entry:
                raise bad("every [[suppress]] entry needs 'rule' and 'reason'")
            self.suppressions.append(
                Suppression(
                    rule=str(entry["rule"]),
                    reason=str(entry["reason"]),
                    path=entry.get("path"),
                    sha256=entry.get("sha256"),
                    match=entry.get("match"),
                )
            )
        self.rules.setdefault(
            "TS150",
            RuleInfo(
                "TS150", "unknown-import", self.unknown.why, self.unknown.severity, "code-in-file"
            ),
        )

    def _add_pattern(self, pattern: str, cat: Category, source: str) -> None:
        pattern = pattern.strip()
        if not pattern or pattern.count(":") > 1:
            raise UserInputError(f"{source}: bad import pattern {pattern!r}")
        cat.patterns.append(pattern)
        self._risky = None
        if ":" in pattern:
            module, name = pattern.split(":")
            module, name = canonical_global(module, name)
            self._exact.setdefault(f"{module}:{name}", []).append(cat)
            key = f"{module}.{name}"
        else:
            key = canonical_module(pattern)
            self._prefix.setdefault(key, []).append(cat)
        self._longest = max(self._longest, key.count(".") + 1)

    # -- classification -------------------------------------------------------------------
    def _lookup(self, module: str, name: str) -> Verdict | None:
        # equal severities: the pattern added last (a user config) names the category
        exact = self._exact.get(f"{module}:{name}")
        if exact:
            return Verdict(
                max(reversed(exact), key=lambda c: c.severity),
                f"{module}:{name}",
                f"{module}.{name}",
            )
        parts = (f"{module}.{name}" if name else module).split(".")
        for n in range(min(len(parts), self._longest), 0, -1):  # no pattern is longer
            key = ".".join(parts[:n])
            cats = self._prefix.get(key)
            if cats:
                return Verdict(max(reversed(cats), key=lambda c: c.severity), key, ".".join(parts))
        return None

    def _classify_exact(self, module: str, name: str) -> Verdict:
        """The category of ``module.name`` taken literally (no attribute walking)."""
        c_mod, c_name = canonical_global(module, name)
        verdict = self._lookup(c_mod, c_name)
        if (c_mod, c_name) != (module, name):
            original = self._lookup(module, name)
            if original and (
                verdict is None or original.category.severity > verdict.category.severity
            ):
                verdict = original
        if verdict is None:
            full = f"{c_mod}.{c_name}" if c_name else c_mod
            return Verdict(self.unknown, None, full)
        return verdict

    def classify(self, module: str, name: str) -> Verdict:
        """The category of the global ``module.name`` (its Python-3 spelling decides; an
        explicit match on the original spelling may only raise the severity).

        A dotted ``name`` is walked attribute by attribute, as the unpickler does, and every
        step is judged: each attribute on the way may be a module that the module above
        imported (``sklearn`` + ``os.system`` is ``os.system``), so the rest of the name is
        also classified as a global of a module of that name, recursively, and the most
        severe verdict wins. A prefix (module) allowlist entry never covers a dotted name: only
        an exact ``module:dotted.name`` entry does.
        """
        verdict, final = self._step(module, name)
        if final:
            return verdict
        # Every step i of the walk is judged as the global ``parts[i]``.``parts[i+1:]`` (its
        # own verdict only: each deeper step is one of this loop's later steps). This is the
        # recursion over the steps flattened, so that a name of n parts costs n steps, not
        # 2**n (a 40-part name hung the scanner, stop 42). A step's verdict depends only on
        # its first parts (no pattern is longer than ``_longest`` parts), so a long rest is
        # cut there and shown with "…".
        verdicts = [verdict]
        parts = name.split(".")
        window = max(self._longest + 1, _UNCUT)
        for i in range(len(parts) - 1):
            rest = parts[i + 1 : i + 1 + window]
            cut = i + 1 + window < len(parts)
            step, _ = self._step(parts[i], ".".join(rest))
            if cut:
                step = Verdict(step.category, step.pattern, step.canonical + ".…")
            verdicts.append(step)
        return max(verdicts, key=lambda v: v.category.severity)

    def _step(self, module: str, name: str) -> tuple[Verdict, bool]:
        """The verdict of ``module.name`` on its own, and whether it is final (no attribute
        walk to judge after it: an undotted name, or an exact pattern for the dotted one)."""
        literal = self._classify_exact(module, name)
        if (
            "." not in name
            and literal.category.severity <= Severity.LOW
            and not _exact_pattern(literal)
            and name in self._risky_names()
        ):
            # a module allowlist does not cover a dangerous function imported into the module
            # (``from os import system``): judge it as the function it most likely is
            risky = self._risky_names()[name]
            return Verdict(risky.category, risky.pattern, literal.canonical), True
        if "." not in name or _exact_pattern(literal):
            return literal, True
        if literal.category.severity <= Severity.LOW:
            # a module allowlist names that module's own objects, not what its attributes reach
            return Verdict(self.unknown, None, literal.canonical), False
        return literal, False

    def _risky_names(self) -> dict[str, Verdict]:
        """Function names of the exact high/critical patterns (``eval``, ``system``…),
        mapped to the most severe verdict that bears that name."""
        if self._risky is None:
            self._risky = {}
            for key, cats in self._exact.items():
                cat = max(cats, key=lambda c: c.severity)
                name = key.partition(":")[2].rsplit(".", 1)[-1]
                old = self._risky.get(name)
                if cat.severity >= Severity.HIGH and (
                    old is None or cat.severity > old.category.severity
                ):
                    self._risky[name] = Verdict(cat, key, key.replace(":", "."))
        return self._risky

    def severity_of(self, rule_id: str) -> Severity:
        info = self.rules.get(rule_id)
        return info.severity if info else Severity.MEDIUM

    def is_loader(self, full: str) -> bool:
        return full in self.loaders

    # -- suppression -----------------------------------------------------------------------
    def apply_suppressions(self, findings: Iterable[Finding]) -> list[Finding]:
        """Mark findings that a [[suppress]] entry covers (they stay in the report)."""
        cache: dict[str, str | None] = {}

        def digest(path: str) -> str | None:
            if path not in cache:
                try:
                    cache[path] = sha256_file(path)
                except OSError:
                    cache[path] = None
            return cache[path]

        out = []
        for f in findings:
            for s in self.suppressions:
                if s.matches(f, digest):
                    f = replace(f, suppressed=s.reason)
                    break
            out.append(f)
        return out


# What a config file may hold (rules.toml's own tables and `suppress`); anything else, e.g. a
# misspelt `[[supress]]`, would be ignored silently: the reviewed exception never applied.
CONFIG_KEYS = {
    "version": None,
    "unknown_severity": None,
    "rules": None,
    "imports": None,
    "nested": {"loaders"},
    "limits": None,  # its keys are checked by Policy.merge
    "suppress": None,
}


def _read_toml(path: Path, label: str = "--config") -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise UserInputError(f"{label} {path}: no such file") from None
    except tomllib.TOMLDecodeError as exc:
        raise UserInputError(f"{label} {path}: not valid TOML ({exc})") from None
    except UnicodeDecodeError:  # a binary file: TOML is UTF-8 text
        raise UserInputError(f"{label} {path}: not valid TOML (not UTF-8 text)") from None
    except IsADirectoryError:
        raise UserInputError(f"{label} {path}: is a folder, not a TOML file") from None
    for key, value in data.items():
        if key not in CONFIG_KEYS:
            raise UserInputError(
                f"{label} {path}: unknown table or key {key!r}; a scan config holds "
                f"{', '.join(CONFIG_KEYS)} (docs/scanner.md)"
            )
        inner = CONFIG_KEYS[key]
        if inner is not None and isinstance(value, dict) and set(value) - inner:
            raise UserInputError(
                f"{label} {path}: [{key}] has unknown key(s) "
                f"{', '.join(sorted(set(value) - inner))}; it holds {', '.join(sorted(inner))}"
            )
    return data


@functools.lru_cache(maxsize=1)
def _builtin_rules() -> dict[str, Any]:
    text = resources.files("trojanscope.scan").joinpath("rules.toml").read_text("utf-8")
    return tomllib.loads(text)


def load_policy(
    configs: Iterable[str | Path] = (), suppress: Iterable[str] = (), label: str = "--config"
) -> Policy:
    """The built-in rules extended by each config file, plus ``RULE:PATH_GLOB`` suppressions;
    ``label`` names where the config files were given in error lines (``--config``, or the
    environment variable that named them)."""
    policy = Policy()
    policy.merge(copy.deepcopy(_builtin_rules()), "rules.toml")
    for cfg in configs:
        policy.merge(_read_toml(Path(cfg), label), f"{label} {cfg}")
    for entry in policy.suppressions:  # a config file's [[suppress]]: checked like the option
        if entry.rule != "*" and entry.rule not in policy.rules:
            raise UserInputError(
                f"[[suppress]] rule {entry.rule!r} is not a rule of the scanner's catalogue or "
                "of a [[rules]] entry in a --config file; it would silence nothing"
            )
    for item in suppress:
        rule, sep, path = item.partition(":")
        if not sep or not rule or not path:
            raise UserInputError(f"--suppress {item!r} must look like RULE:PATH_GLOB")
        if rule != "*" and rule not in policy.rules:  # it would silence nothing, silently
            raise UserInputError(
                f"--suppress {item!r}: unknown rule {rule!r}; give a rule id of the scanner's "
                "catalogue (TS100…TS999, docs/scanner.md), one a --config file's [[rules]] "
                "declares, or *"
            )
        policy.suppressions.append(Suppression(rule=rule, path=path, reason=f"--suppress {item}"))
    return policy
