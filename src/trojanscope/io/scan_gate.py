"""Scan before load: the scanner's blocking checks run on the files a model is loaded from,
in the one place every command loads a user's model (:func:`trojanscope.io.models.load_model`).

``audit`` and ``serve`` scanned before loading; ``detect``, ``detect-inputs``, ``detect-data``,
``mitigate``, ``purify``, ``certify`` and the zoo commands did not, so a file the scanner rates
high or critical (a TorchScript archive torch would run, an ONNX file pointing outside its
folder, a safetensors header that lies) reached a parser unscanned. Only the files the loader
reads are scanned (a run folder's manifest and weights, not its exports; a Hugging Face folder
whole, its layout rules need every file), so the cost is a header read for safetensors. A
clean result is remembered per process for unchanged files (same size and modification time),
so a model loaded again (a zoo's cache, a test) is not scanned again.
"""

from __future__ import annotations

from pathlib import Path

from trojanscope.errors import UserInputError
from trojanscope.report.model import Severity

__all__ = ["BLOCKING", "refuse_dangerous"]

BLOCKING = Severity.HIGH  # a scan finding at or above this stops the model from being loaded
_CLEAN: set[tuple[tuple[str, int, int], ...]] = set()


def _key(targets: list[Path]) -> tuple[tuple[str, int, int], ...] | None:
    """Identity of plain files (None for folders: a file inside may change unseen)."""
    key = []
    for t in targets:
        st = t.stat()
        if not t.is_file():
            return None
        key.append((str(t.resolve()), st.st_size, st.st_mtime_ns))
    return tuple(key)


def refuse_dangerous(
    path: Path, targets: list[Path] | None = None, *, verb: str = "not loaded"
) -> None:
    """Scan ``targets`` (default ``[path]``; nothing is loaded) and raise one
    :class:`UserInputError` naming the worst finding rated high or critical."""
    from trojanscope.scan import load_policy, scan_paths

    targets = targets or [path]
    key = _key(targets)
    if key is not None and key in _CLEAN:
        return
    report = scan_paths(targets, load_policy())
    worst = [f for f in report.active() if f.severity >= BLOCKING]
    if worst:
        f = max(worst, key=lambda f: f.severity)
        raise UserInputError(
            f"{path}: the scanner rated {f.location} {f.severity.label} ({f.rule_id}: "
            f"{f.message}); {verb} (`trojanscope scan {path}` shows every finding)"
        )
    if key is not None:
        _CLEAN.add(key)
