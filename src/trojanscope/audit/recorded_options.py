"""The options an audit ran with, as its document and history row record them (stop 74).

``audit-registry --resume`` skipped a model whose path and SHA-256 the history held, whatever
options that audit ran with: a registry audited with ``--data-free`` and resumed with
``--data clean.npz`` or ``--method mmbd`` kept the old verdicts. The audit document now holds
:func:`recorded` (schema 1.3, ``options``), and a resumed run audits a model again where its
last record's options differ from the run's (or where the record, older than 1.3, holds
none). Paths are made absolute, so the same file named from another folder compares equal; a
file changed in place under the same name is not noticed. ``command`` is left out (the same
options come from ``audit`` and ``audit-registry`` alike).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from trojanscope.audit.pipeline import AuditOptions


def _path(value: str | Path | None) -> str | None:
    """An existing file or folder as its absolute path; a bundled dataset name (or a path that
    is not there) as given."""
    if value is None:
        return None
    path = Path(value)
    return str(path.resolve()) if path.exists() else str(value)


def recorded(options: AuditOptions) -> dict[str, Any]:
    """What of ``options`` shapes an audit's result, as plain JSON values (key order fixed)."""
    plain = {
        "data": _path(options.data), "split": options.split, "data_free": options.data_free,
        "label_column": options.label_column, "text_column": options.text_column,
        "key": _path(options.key), "signature": _path(options.signature),
        "method": options.method, "method_params": dict(sorted(options.method_params.items())),
        "calibration": _path(options.calibration), "threshold": options.threshold,
        "critical_at": options.critical_at, "inconclusive_at": options.inconclusive_at,
        "seed": options.seed, "training_data": _path(options.training_data),
        "data_method": options.data_method,
        "scan_configs": [_path(p) for p in options.scan_configs],
        "suppress": list(options.suppress), "fail_on": options.fail_on.label,
    }
    return json.loads(json.dumps(plain, default=str))  # as the JSON column gives it back


def differing(before: dict[str, Any] | None, now: dict[str, Any]) -> list[str]:
    """The option names whose values differ between a record's ``before`` and ``now``; every
    name where the record holds none (a record older than schema 1.3)."""
    if not isinstance(before, dict):
        return sorted(now)
    return sorted(k for k in {*before, *now} if before.get(k) != now.get(k))
