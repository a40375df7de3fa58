"""Where the default suite's worker-seconds go, and which of them test benchmark machinery.

Reads a pytest log written with ``--durations=0`` (every test's setup, call and teardown) and
sums the seconds per directory, per file and per phase. Each test is then read from its
source (``ast``; nothing is imported) and put in one of two groups:

* **benchmark**: it runs or loads a script of ``benchmarks/`` (``run_script``,
  ``load_benchmark``, ``BENCHMARKS``, a ``benchmarks/`` path, a module imported from
  ``benchmarks/``), directly or through a helper or fixture of its own module;
* **product**: anything else (it reaches only ``trojanscope``).

A test already marked ``slow`` in the tree is counted apart (``--tests``: the tree read), so the
same log gives the default suite's worker-seconds before and after tests are moved.

    python benchmarks/suite_where.py DURATIONS.log [--min 1.0] [--json OUT]
    python benchmarks/suite_where.py --tsv PART.tsv [PART.tsv ...] [--min 1.0] [--json OUT]

(``--tsv``: the per-test CPU seconds ``suite_times.py`` keeps, in place of a durations log;
``.tsv.gz`` read as it is.)
"""

from __future__ import annotations

import argparse
import ast
import gzip
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINE = re.compile(r"^([\d.]+)s (setup|call|teardown)\s+(\S+)")
MARKERS = ("run_script", "load_benchmark", "_load_benchmark", "BENCHMARKS")


def read_durations(path: Path) -> list[tuple[float, str, str]]:
    """(seconds, phase, node id) for every line of pytest's ``slowest durations`` list (a
    ``.gz`` log read as it is)."""
    rows = []
    text = read_text(path) if path.suffix == ".gz" else path.read_text(errors="replace")
    for line in text.splitlines():
        m = LINE.match(line)
        if m:
            rows.append((float(m.group(1)), m.group(2), m.group(3)))
    return rows


def read_text(path: Path) -> str:
    """A text file, or a ``.gz`` of one, read as it is; one that is not (a ``.gz`` that is not
    gzip, bytes that are not UTF-8): ValueError naming the file."""
    try:
        return (gzip.decompress(path.read_bytes()).decode() if path.suffix == ".gz"
                else path.read_text())
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: {exc}") from None


def read_timer_tsvs(paths: list[Path]) -> list[tuple[float, str, str]]:
    """(CPU seconds, "call", node id) per test from ``_suite_timer``'s TSVs (its CPU covers a
    test's setup, call and teardown, its own process and the children it waited for). A row
    without five tab-separated cells or with a CPU that is not a number: ValueError naming the
    file and line."""
    rows = []
    for path in paths:
        text = read_text(path)
        for number, line in enumerate(text.splitlines(), start=1):
            cells = line.split("\t")
            try:
                node, _wall, own, children, _load = cells
                rows.append((float(own) + float(children), "call", node))
            except ValueError:
                raise ValueError(f"{path}:{number}: not a timer row (node, wall, own CPU, "
                                 "children's CPU, load; tab-separated)") from None
    return rows


def _bench_modules(root: Path) -> set[str]:
    return {p.stem for p in (root / "benchmarks").glob("*.py")} - {"conftest"}


def _names(node: ast.AST) -> set[str]:
    """Every name, attribute and string a node mentions."""
    out: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            out.add(sub.id)
        elif isinstance(sub, ast.Attribute):
            out.add(sub.attr)
        elif isinstance(sub, ast.Constant) and isinstance(sub.value, str):
            if sub.value == "benchmarks" or "benchmarks/" in sub.value:
                out.add("benchmarks/")
        elif isinstance(sub, ast.arg):
            out.add(sub.arg)
    return out


def _is_slow(dec: ast.expr) -> bool:
    """``@pytest.mark.slow`` itself (a ``slow`` inside a parametrize is one case's: below)."""
    return isinstance(dec, ast.Attribute) and dec.attr == "slow"


def _slow_cases(decs: list[ast.expr]) -> list[str]:
    """Ids of the ``pytest.param(values..., marks=pytest.mark.slow)`` cases written out in a
    parametrize (constants joined by ``-``, or the ``id=`` given); cases built another way
    (a list made elsewhere, a comprehension) are read from ``--slow-ids``."""
    out = []
    for call in (n for d in decs for n in ast.walk(d) if isinstance(n, ast.Call)):
        if getattr(call.func, "attr", "") == "param" and call.args and any(
                k.arg == "marks" and "slow" in ast.unparse(k.value) for k in call.keywords):
            given = [k.value.value for k in call.keywords if k.arg == "id"
                     and isinstance(k.value, ast.Constant)]
            if given or all(isinstance(a, ast.Constant) for a in call.args):
                out.append(given[0] if given else "-".join(str(a.value) for a in call.args))
    return out


def _conftests(path: Path, root: Path) -> list[ast.Module]:
    """The ``conftest.py`` files whose fixtures a test file sees (its folder and those above)."""
    out, folder = [], path.parent
    while folder == root / "tests" or root / "tests" in folder.parents:
        if (folder / "conftest.py").is_file():
            out.append(ast.parse((folder / "conftest.py").read_text()))
        folder = folder.parent
    return out


def read_module(path: Path, bench: set[str], root: Path = ROOT) -> dict[str, dict]:
    """Per test function of one file: ``benchmark`` (bool) and ``slow`` (marked in the tree)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    shared = _conftests(path, root)
    module_slow = any(
        isinstance(n, ast.Assign) and any(getattr(t, "id", "") == "pytestmark" for t in n.targets)
        and _is_slow(n.value) for n in tree.body)
    imported = set()
    for n in tree.body:
        if isinstance(n, ast.ImportFrom) and n.module and n.module.split(".")[0] in bench:
            imported |= {a.asname or a.name for a in n.names} | {n.module.split(".")[0]}
        elif isinstance(n, ast.Import):
            imported |= {a.asname or a.name for a in n.names if a.name.split(".")[0] in bench}
    # module-level names bound to benchmark scripts, e.g. ``tool = _load_benchmark("x")``
    for n in tree.body:
        if isinstance(n, ast.Assign) and _names(n.value) & set(MARKERS):
            imported |= {t.id for t in n.targets if isinstance(t, ast.Name)}
    funcs = {n.name: n for mod in [*shared, tree] for n in ast.walk(mod)
             if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
    direct = {name: bool(_names(f) & (set(MARKERS) | imported | {"benchmarks/"}))
              for name, f in funcs.items()}
    # helpers and fixtures: a function is benchmark machinery if it reaches one that is
    reach = {name: _names(f) & set(funcs) - {name} for name, f in funcs.items()}
    changed = True
    while changed:
        changed = False
        for name in funcs:
            if not direct[name] and any(direct[r] for r in reach[name]):
                direct[name] = changed = True
    out = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for f in node.body:
                if isinstance(f, ast.FunctionDef) and f.name.startswith("test"):
                    marks = f.decorator_list + node.decorator_list
                    out[f"{node.name}::{f.name}"] = {
                        "benchmark": direct[f.name], "slow_cases": _slow_cases(marks),
                        "slow": module_slow or any(map(_is_slow, marks))}
    for f in tree.body:
        if isinstance(f, ast.FunctionDef) and f.name.startswith("test"):
            out[f.name] = {"benchmark": direct[f.name],
                           "slow_cases": _slow_cases(f.decorator_list),
                           "slow": module_slow or any(map(_is_slow, f.decorator_list))}
    return out


def classify(rows: list[tuple[float, str, str]], root: Path,
             slow_ids: set[str] = frozenset()) -> dict[str, dict]:
    """Per test: seconds by phase, group and slow mark (read from the source, or the node is
    one of ``slow_ids``: ``pytest --collect-only -q -m slow``'s list)."""
    bench = _bench_modules(root)
    modules: dict[str, dict[str, dict]] = {}
    tests: dict[str, dict] = {}
    for sec, phase, node in rows:
        file, _, name = node.partition("::")
        key = re.sub(r"\[.*\]$", "", name)
        if file not in modules:
            path = root / file
            modules[file] = read_module(path, bench, root) if path.is_file() else {}
        info = dict(modules[file].get(key, {"benchmark": False, "slow": False, "gone": True}))
        case = re.search(r"\[(.*)\]$", name)
        if case and case.group(1) in info.pop("slow_cases", []):
            info["slow"] = True
        if node in slow_ids:
            info["slow"] = True
        t = tests.setdefault(node, {"file": file, "setup": 0.0, "call": 0.0, "teardown": 0.0,
                                    **info})
        t[phase] += sec
    return tests


def summarise(tests: dict[str, dict], minimum: float) -> dict:
    """Sums per directory, file and phase; the default suite before and after the slow marks."""
    def total(t: dict) -> float:
        return t["setup"] + t["call"] + t["teardown"]

    by_dir: dict[str, float] = defaultdict(float)
    by_file: dict[str, float] = defaultdict(float)
    phases: dict[str, float] = defaultdict(float)
    groups: dict[str, float] = defaultdict(float)
    for t in tests.values():
        by_dir["/".join(t["file"].split("/")[:2])] += total(t)
        by_file[t["file"]] += total(t)
        for p in ("setup", "call", "teardown"):
            phases[p] += t[p]
        groups["benchmark" if t["benchmark"] else "product"] += total(t)
    default_now = sum(total(t) for t in tests.values() if not t["slow"])
    moved = sorted(((n, t) for n, t in tests.items() if t["slow"]), key=lambda kv: -total(kv[1]))
    heavy = sorted(((n, t) for n, t in tests.items() if t["benchmark"] and not t["slow"]
                    and total(t) >= minimum), key=lambda kv: -total(kv[1]))

    def r(x: float) -> float:
        return round(x, 1)

    return {
        "tests_in_log": len(tests),
        "worker_s_in_log": r(sum(map(total, tests.values()))),
        "phases": {k: r(v) for k, v in phases.items()},
        "groups": {k: r(v) for k, v in groups.items()},
        "default_suite_worker_s_now": r(default_now),
        "marked_slow_now": {"tests": len(moved), "worker_s": r(sum(total(t) for _, t in moved)),
                            "list": [[n, r(total(t))] for n, t in moved]},
        "dirs": [[k, r(v)] for k, v in sorted(by_dir.items(), key=lambda kv: -kv[1])],
        "files": [[k, r(v)] for k, v in sorted(by_file.items(), key=lambda kv: -kv[1])][:60],
        "benchmark_tests_over_min": [[n, r(total(t)), r(t["setup"])] for n, t in heavy],
        "benchmark_over_min_worker_s": r(sum(total(t) for _, t in heavy)),
    }


def main() -> None:
    """The summary of a durations log or timer TSVs as JSON on stdout (and ``--json``); bad
    input (no file, both or neither source, no durations, a malformed row) one ``error:`` line
    and exit 2."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("log", type=Path, nargs="?", help="a pytest log with --durations=0")
    parser.add_argument("--tsv", type=Path, nargs="+", default=[],
                        help="suite_times.py's per-test TSVs instead of a log")
    parser.add_argument("--root", type=Path, default=ROOT, help="the tree whose tests are read")
    parser.add_argument("--min", type=float, default=1.0, dest="minimum",
                        help="list benchmark tests of at least this many seconds")
    parser.add_argument("--slow-ids", type=Path,
                        help="`pytest --collect-only -q -m slow` output: these nodes are slow")
    parser.add_argument("--json", type=Path, help="write the summary here too")
    args = parser.parse_args()
    if (args.log is None) == (not args.tsv):
        parser.exit(2, "error: give a durations log or --tsv, not both\n")
    for path in [args.log] if args.log else args.tsv:
        if not path.is_file():
            parser.exit(2, f"error: {path}: no such file\n")
    try:
        rows = read_durations(args.log) if args.log else read_timer_tsvs(args.tsv)
    except (OSError, ValueError) as exc:  # an unreadable file, a malformed row
        parser.exit(2, f"error: {exc}\n")
    if not rows:
        parser.exit(2, f"error: {args.log or args.tsv[0]}: no durations "
                       "(run pytest with --durations=0)\n")
    slow_ids: set[str] = set()
    if args.slow_ids:
        if not args.slow_ids.is_file():
            parser.exit(2, f"error: --slow-ids {args.slow_ids}: no such file\n")
        slow_ids = {line.strip() for line in args.slow_ids.read_text().splitlines()
                    if "::" in line}
    print_json(summarise(classify(rows, args.root, slow_ids), args.minimum), args.json)


def print_json(result: dict, path: Path | None) -> None:
    """``result`` as indented JSON on stdout, and in ``path`` too where one is given."""
    text = json.dumps(result, indent=1)
    if path:
        path.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    sys.exit(main())
