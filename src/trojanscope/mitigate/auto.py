"""Which method ``--method auto`` runs: the best measured on our own MNIST zoo
(docs/benchmarks.md, "Mitigation (issue 12)"), and CLP when no clean data is given."""

from __future__ import annotations

AUTO_WITH_DATA = "ftsam"
AUTO_DATA_FREE = "clp"


def resolve(method: str, data_free: bool) -> str:
    """The concrete method name for ``method`` (``auto`` or a registered name)."""
    if method != "auto":
        return method
    return AUTO_DATA_FREE if data_free else AUTO_WITH_DATA
