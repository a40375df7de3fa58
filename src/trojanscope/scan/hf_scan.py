"""Checks of a Hugging Face model folder as a whole, on top of the per-file scan.

Remote code first: every ``auto_map`` / ``custom_pipelines`` entry and every Python file is
reported, the Python read with :mod:`ast` (never imported). Files that an ``auto_map`` entry
loads, and the files they import relatively, run when a user passes ``trust_remote_code``:
what they do is rated at the rule's severity; in other Python files one level lower, since
nothing loads them automatically. Then ``sentence-transformers`` module types, the tokenizer
(:mod:`trojanscope.scan.hf_tokenizer`), the weights against the config and the shard indexes
(:mod:`trojanscope.scan.hf_weights`), and symbolic links that leave the folder.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath
from typing import Any

from trojanscope.io.hf_folder import HFLayout, read_hf_layout, read_json
from trojanscope.report.model import Finding, Severity, Subject
from trojanscope.scan.context import Ctx
from trojanscope.scan.hf_tokenizer import check_tokenizer, reads_vocab_txt
from trojanscope.scan.hf_weights import check_weights
from trojanscope.scan.pycode import CodeReport, analyse_source
from trojanscope.scan.rules import Policy
from trojanscope.scan.walk import is_inside

MAX_SOURCE = 4 << 20  # bytes of Python read per file; a larger one is not analysed (TS417)
_KINDS = {"config.json": "hf-config", "tokenizer.json": "hf-tokenizer",
          "tokenizer_config.json": "hf-tokenizer", "special_tokens_map.json": "hf-tokenizer"}


def _reachable(layout: HFLayout, analyses: dict[str, CodeReport | None]) -> set[str]:
    """Python files that loading with ``trust_remote_code`` imports: those ``auto_map`` names
    and, transitively, the files they import relatively (with their package ``__init__``)."""
    todo = [r.module_file for r in layout.code_refs if r.other_repo is None and
            r.module_file in analyses]
    seen: set[str] = set()
    while todo:
        rel = todo.pop()
        if rel in seen:
            continue
        seen.add(rel)
        report = analyses.get(rel)
        for dep in _relative_targets(rel, report.relative_imports if report else []):
            if dep in analyses and dep not in seen:
                todo.append(dep)
    return seen


def _relative_targets(rel: str, specs: list[str]) -> list[str]:
    """Files a relative import (``.x``, ``..``, ``.``) may load, from the file ``rel``."""
    out = []
    for spec in specs:
        level = len(spec) - len(spec.lstrip("."))
        pkg = PurePosixPath(rel).parent
        for _ in range(level - 1):
            pkg = pkg.parent
        out.append(pkg / "__init__.py")
        name = spec[level:].replace(".", "/")
        if name:
            out += [pkg / f"{name}.py", pkg / name / "__init__.py"]
    return [p.as_posix() for p in out]


def _analyse_file(path: Path) -> CodeReport | None:
    """The static analysis of one Python file (None when it cannot be read)."""
    try:
        if path.stat().st_size > MAX_SOURCE:
            return CodeReport(error=f"larger than {MAX_SOURCE} bytes")
        return analyse_source(path.read_bytes().decode("utf-8"), path.name)
    except UnicodeDecodeError as exc:
        return CodeReport(error=f"not UTF-8 ({exc.reason})")
    except OSError:
        return None


def _lower(severity: Severity) -> Severity:
    return Severity(max(int(severity) - 1, int(Severity.INFO)))


def _check_code(layout: HFLayout, policy: Policy, subjects: dict[str, Subject]) -> list[Finding]:
    analyses = {rel: _analyse_file(layout.root / rel) for rel in layout.python_files}
    reachable = _reachable(layout, analyses)
    findings: list[Finding] = []
    for rel in layout.python_files:
        report = analyses[rel]
        ctx = Ctx(policy, str(layout.root / rel))
        if report is None:
            continue  # unreadable: the file scan reported TS900
        loaded = rel in reachable
        suffix = "" if loaded else " (no auto_map entry loads this file)"
        if report.error and not report.hits:
            severity = policy.severity_of("TS417")
            ctx.add("TS417", f"Python file was not analysed: {report.error}{suffix}",
                    severity=severity if loaded else _lower(severity))
        for hit in report.hits:
            severity = Severity.parse(hit.severity) if hit.severity else \
                policy.severity_of(hit.rule)
            ctx.add(hit.rule, f"{hit.detail}{suffix}", position=hit.line,
                    severity=severity if loaded else _lower(severity), name=hit.name,
                    line=hit.line, loaded_by_auto_map=loaded)
        if not loaded and not report.hits and not report.error:
            ctx.add("TS402", "Python file that no auto_map entry loads"
                    + (f"; imports {', '.join(report.imports[:8])}" if report.imports else ""),
                    imports=report.imports)
        subject = subjects.get(str(layout.root / rel))
        if subject is not None:
            subject.kind, subject.status = "python", "scanned"
            subject.details.update({"imports": report.imports,
                                    "relative_imports": report.relative_imports,
                                    "calls": report.calls[:50], "classes": report.classes,
                                    "loaded_by_auto_map": loaded})
        findings.extend(ctx.findings)
    for ref in layout.code_refs:
        ctx = Ctx(policy, str(layout.root / ref.source))
        what = f"{ref.source} auto_map {ref.key} -> {ref.ref}"
        if ref.other_repo is not None:
            ctx.add("TS401", f"{what}: the code comes from another repository "
                    f"({ref.other_repo}), fetched when the model loads", ref=ref.ref)
        elif ref.module_file not in layout.python_files:
            ctx.add("TS401", f"{what}: {ref.module_file} is not in the folder (a loader "
                    "fetches it from the hub)", ref=ref.ref)
        else:
            report = analyses[ref.module_file]
            only_model = report is not None and report.model_code_only
            imports = ", ".join(report.imports[:10]) if report else "?"
            ctx.add("TS400", f"{what}: trust_remote_code runs {ref.module_file} (imports "
                    f"{imports or 'nothing'}"
                    + ("; only model-building libraries" if only_model else "") + ")",
                    severity=Severity.LOW if only_model else Severity.MEDIUM,
                    ref=ref.ref, file=ref.module_file)
        findings.extend(ctx.findings)
    return findings


def _check_modules_json(layout: HFLayout, policy: Policy) -> list[Finding]:
    """sentence-transformers imports each ``modules.json`` type by name."""
    path = layout.root / "modules.json"
    if not path.is_file():
        return []
    data, _ = read_json(path)
    ctx = Ctx(policy, str(path))
    for entry in data if isinstance(data, list) else []:
        kind = entry.get("type") if isinstance(entry, dict) else None
        if isinstance(kind, str) and not kind.startswith("sentence_transformers."):
            ctx.add("TS401", f"modules.json names module type {kind!r}, outside "
                    "sentence_transformers: sentence-transformers imports it", ref=kind)
    return ctx.findings


def _check_links(layout: HFLayout, policy: Policy) -> list[Finding]:
    """Links to files outside the folder, except a hub cache snapshot's links to its blobs."""
    root = Path(os.path.realpath(layout.root))
    blobs = Path(os.path.realpath(layout.root.parent.parent / "blobs"))
    findings: list[Finding] = []
    for rel in layout.links:
        path = layout.root / rel
        if path.is_dir():
            continue  # links to folders: TS206 from the walk
        target = Path(os.path.realpath(path))
        if is_inside(target, root) or (target.parent == blobs and
                                     layout.root.parent.name == "snapshots"):
            continue
        ctx = Ctx(policy, str(path))
        ctx.add("TS207", f"{rel} is a link to {target}, outside the model folder: loaders "
                "read that file", target=str(target))
        findings.extend(ctx.findings)
    return findings


def scan_hf_folder(folder: Path, policy: Policy,
                   subjects: dict[str, Subject]) -> tuple[dict[str, Any], list[Finding]]:
    """The layout of one Hugging Face folder and the findings of the folder-level checks;
    ``subjects`` (by path) of the files these checks read are marked scanned."""
    layout = read_hf_layout(folder)
    findings: list[Finding] = []
    if layout.config_error is not None:
        ctx = Ctx(policy, str(folder / "config.json"))
        ctx.add("TS460", f"config.json is {layout.config_error}: loaders cannot tell the "
                "architecture", severity=Severity.LOW if layout.config_error == "missing"
                else None)
        findings.extend(ctx.findings)
    findings += _check_code(layout, policy, subjects)
    findings += _check_modules_json(layout, policy)
    findings += check_tokenizer(layout, policy)
    findings += check_weights(layout, policy)
    findings += _check_links(layout, policy)
    for rel in layout.files:
        subject = subjects.get(str(folder / rel))
        if subject is None or subject.status == "scanned" or "/" in rel:
            continue
        name = rel.rsplit("/", 1)[-1]
        if name.endswith(".json"):
            subject.kind = "hf-index" if name.endswith(".index.json") else \
                _KINDS.get(name, "json")
            subject.status = "scanned"
        elif name == "vocab.txt" and reads_vocab_txt(layout):  # read against the embedding
            subject.kind, subject.status = "hf-tokenizer", "scanned"
    return layout.to_dict(), findings
