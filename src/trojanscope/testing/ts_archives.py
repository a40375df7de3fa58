"""Hostile TorchScript archives and the archive editing the tests and
``benchmarks/torchscript_code_check.py`` share (one builder, so a test checks what the benchmark
counts)."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn

__all__ = ["HelperDtype", "inflated", "rewrite"]


class HelperDtype(nn.Module):
    """Review round 9: a computed dtype (200, SIGSEGV when run) passed to a method's parameter;
    the scanner follows the parameter to its callers."""

    def __init__(self) -> None:
        super().__init__()
        self.code = 6

    def helper(self, x: torch.Tensor, d: int) -> torch.Tensor:
        return x.to(d)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.helper(x, self.code + 194)


def inflated(base: Path, out: Path) -> Path:
    """Review round 9 (Z): ``base`` with one deflated extra member of ``MAX_INFLATED_BYTES`` + 1
    zeros (the review's took 1 GiB in 1.1 MB: the parent inflated it to 3.3 GiB before the
    child ran); under 1 MiB on disk."""
    from trojanscope.scan.torchscript_code import MAX_INFLATED_BYTES

    out.write_bytes(base.read_bytes())
    prefix = zipfile.ZipFile(base).namelist()[0].split("/", 1)[0]
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"{prefix}/extra/pad.bin", bytes(MAX_INFLATED_BYTES + 1))
    return out


def rewrite(
    src: Path,
    out: Path,
    name: Callable[[str], str] = lambda n: n,
    data: Callable[[str, bytes], bytes] = lambda n, d: d,
) -> Path:
    """A copy of the archive ``src`` (stored, no debug pickles) with names and contents edited."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zout:
        for info in zin.infolist():
            if not info.filename.endswith(".debug_pkl"):
                zout.writestr(name(info.filename), data(info.filename, zin.read(info)))
    return out
