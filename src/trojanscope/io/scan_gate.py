"""Scan before load: the scanner's blocking checks run on the files a model is loaded from,
in the one place every command loads a user's model (:func:`trojanscope.io.models.load_model`).

``audit`` and ``serve`` scanned before loading; ``detect``, ``detect-inputs``, ``detect-data``,
``mitigate``, ``purify``, ``certify`` and the zoo commands did not, so a file the scanner rates
high or critical (a TorchScript archive torch would run, an ONNX file pointing outside its
folder, a safetensors header that lies) reached a parser unscanned. Only the files the loader
reads are scanned (a run folder's manifest and weights, not its exports; a Hugging Face folder
whole, its layout rules need every file), so the cost is a header read for safetensors. A
clean result is remembered per process for unchanged files (same size and modification time;
a TorchScript archive, which the loader reads once into memory, by the SHA-256 of those bytes),
so a model loaded again (a zoo's cache, a test) is not scanned again.

A Hugging Face folder is scanned whole, but only findings in the files the loader reads
(``reads``: config, tokenizer files, the weights it picks) and the folder-level rules
(:data:`FOLDER_RULES`: links and code or shards outside the folder) refuse it; a high finding
in a file it never reads (``training_args.bin``, the pickle ``Trainer`` pushes with every
model, ``rng_state.pth``, ``optimizer.pt``) is one warning line on stderr.

A reviewed exception: the environment variable :data:`CONFIG_ENV` names scan config files
(the TOML of ``trojanscope scan --config``, ``[[suppress]]`` entries included; several joined
by the path separator), read by every gated command.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

from trojanscope import __version__
from trojanscope.errors import UserInputError
from trojanscope.report.model import Report, Severity

__all__ = ["BLOCKING", "CONFIG_ENV", "FOLDER_RULES", "refuse_dangerous"]

BLOCKING = Severity.HIGH  # a scan finding at or above this stops the model from being loaded
CONFIG_ENV = "TROJANSCOPE_SCAN_CONFIG"
# Rules about a Hugging Face folder as a whole (what the loader is led to read or run), which
# refuse it wherever the finding is located: a link leaving the folder, code named outside it,
# a shard index escaping it.
FOLDER_RULES = frozenset({"TS206", "TS207", "TS401", "TS450"})
_CLEAN: set[tuple[tuple[str, object, int], ...]] = set()


def _key(targets: list[Path]) -> tuple[tuple[str, int, int], ...] | None:
    """Identity of plain files (None for folders: a file inside may change unseen)."""
    key = []
    for t in targets:
        st = t.stat()
        if not t.is_file():
            return None
        key.append((str(t.resolve()), st.st_size, st.st_mtime_ns))
    return tuple(key)


def env_configs() -> list[Path]:
    """The scan config files :data:`CONFIG_ENV` names (none when it is unset or empty)."""
    value = os.environ.get(CONFIG_ENV, "").strip()
    paths = [Path(v) for v in value.split(os.pathsep) if v.strip()]
    for p in paths:
        if not p.is_file():
            raise UserInputError(f"{CONFIG_ENV}={value}: {p} is not a file (it names scan "
                                 "config TOML files, as `trojanscope scan --config`)")
    return paths


def _blocks(finding, folder: Path, reads: set[Path] | None) -> bool:
    """Whether ``finding`` refuses the model: always, unless ``reads`` is given and the finding
    lies in a file of ``folder`` the loader does not read and is not a folder-level rule."""
    if reads is None or finding.rule_id in FOLDER_RULES:
        return True
    where = Path(os.path.realpath(finding.location.file))
    inside = where != folder and folder in where.parents
    return not inside or where in reads or where.suffix == ".py"


def refuse_dangerous(
    path: Path, targets: list[Path] | None = None, *, verb: str = "not loaded",
    reads: list[Path] | None = None, data: bytes | None = None,
) -> None:
    """Scan ``targets`` (default ``[path]``; nothing is loaded) and raise one
    :class:`UserInputError` naming the worst finding rated high or critical.

    ``reads`` (a folder ``path`` scanned whole): the files the loader reads; a high finding
    in another file of the folder, by a rule not in :data:`FOLDER_RULES`, is a warning line on
    stderr instead. ``data``: the file ``path``'s bytes as the loader read them (once): those
    are scanned, and a clean result is remembered by their SHA-256, not by path, size and
    modification time (a file swapped and restored between scan and load cannot slip by)."""
    from trojanscope.scan import load_policy, scan_file, scan_paths

    targets = targets or [path]
    configs = env_configs()
    key = _key(targets) if data is None else (("sha256", hashlib.sha256(data).hexdigest(), 0),)
    if key is not None and configs:
        key = (*key, *((str(c.resolve()), c.stat().st_size, c.stat().st_mtime_ns)
                       for c in configs))
    if key is not None and key in _CLEAN:
        return
    policy = load_policy(configs, label=CONFIG_ENV)
    if data is None:
        report = scan_paths(targets, policy)
    else:  # the one file, from the bytes the loader holds
        subject, ctx = scan_file(path, policy, data=data)
        report = Report(tool="trojanscope", version=__version__, command="scan",
                        rules=dict(policy.rules), subjects=[subject],
                        findings=policy.apply_suppressions(ctx.findings))
    high = [f for f in report.active() if f.severity >= BLOCKING]
    folder = Path(os.path.realpath(path))
    read_set = None if reads is None else {Path(os.path.realpath(r)) for r in reads}
    worst = [f for f in high if _blocks(f, folder, read_set)]
    if worst:
        f = max(worst, key=lambda f: f.severity)
        raise UserInputError(
            f"{path}: the scanner rated {f.location} {f.severity.label} ({f.rule_id}: "
            f"{f.message}); {verb}; `trojanscope scan {path}` shows every finding; a "
            f"reviewed exception goes in a scan config named by {CONFIG_ENV}"
        )
    if high:
        f = max(high, key=lambda f: f.severity)
        files = sorted({Path(g.location.file).name for g in high})
        print(f"{path}: warning: the scanner rated {len(high)} finding(s) high or critical in "
              f"file(s) the loader does not read ({', '.join(files[:4])}"
              f"{', …' if len(files) > 4 else ''}; worst {f.rule_id} {f.severity.label}: "
              f"{f.message}); loading the model anyway (`trojanscope scan {path}` shows every "
              "finding)", file=sys.stderr)
    if key is not None:
        _CLEAN.add(key)
