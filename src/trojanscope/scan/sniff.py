"""What a stream is, from its first bytes (never from the file name, except as a tie-breaker
for ONNX, which has no magic number): the first registered scan format that matches."""

from __future__ import annotations

import functools

from trojanscope.scan.formats import ScanFormat


@functools.cache
def formats() -> tuple[tuple[str, ScanFormat], ...]:
    """The registered scan formats, in the order they are tried."""
    from trojanscope import registry

    return tuple((name, cls()) for name, cls in registry.items("scan-format"))


def format_of(kind: str) -> ScanFormat | None:
    return dict(formats()).get(kind)


def sniff(head: bytes, name: str = "", size: int | None = None) -> str:
    """The format of a stream starting with ``head`` (≥ 512 bytes when available): a registered
    scan format's name, ``empty`` or ``unknown``."""
    if not head:
        return "empty"
    for kind, fmt in formats():
        if fmt.matches(head, name):
            return kind
    return "unknown"
