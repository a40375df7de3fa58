"""Other fusions of ``detect-inputs``' own columns, read offline on the columns dumped by
``xpatch_tanh_why_stop45.py --dump`` (issue 14, stop 45; development models only, measurement
only): TPR at 1% FPR of each variant, no model pass run.

Variants (consistency columns capped at 6 as the default, pixel columns uncapped): ``default``
(the shipped fusion, the occlusion column left out), ``occ_for_rotbin`` (the occlusion column in
place of ``rotbin``: ``occlusion=true``), ``layers_cap3`` (the layer columns capped at 3 too),
``top1``/``top2`` (only the largest 1 or 2 consistency columns), ``layers_grouped`` (the layer
columns' mean, standardised, as one column). Read two ways: ``full``, the threshold from the
whole held-out clean half (the benchmark's figure for ``default``); and ``half``, with the
unions — ``sumsq|sum`` (the larger of the sum of squares and the sum of the positive columns),
``sumsq|max`` (… and the largest column), ``sumsq|maxpix`` (… and the larger pixel column),
each statistic put on its clean median-to-99th-percentile scale — fitted on one half of the
held-out clean inputs (a seeded draw) and the threshold set on the other.

    PYTHONPATH=src python benchmarks/xpatch_tanh_fusions_stop45.py DUMP_DIR
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import torch
from torch import Tensor

from trojanscope.detect.input_level.base import threshold_at_fpr

CAP = 6.0
Stat = Callable[[Tensor], Tensor]


def tpr(neg: Tensor, pos: Tensor) -> float:
    return float((pos > threshold_at_fpr(neg, 0.01)).float().mean())


def columns(z: Tensor, names: list[str], drop: str) -> tuple[Tensor, int]:
    """The columns but ``drop``, consistency columns capped; (columns, number of layers)."""
    keep = [j for j, n in enumerate(names) if n != drop]
    z = z[:, keep].clone()
    for j, n in enumerate(names[k] for k in keep):
        if not n.startswith("layer") and n not in ("isolated", "rare"):
            z[:, j] = CAP * torch.tanh(z[:, j] / CAP)
    return z, sum(n.startswith("layer") for n in names)


def sumsq(z: Tensor) -> Tensor:
    return z.clamp_min(0).square().sum(1)


def read(path: Path) -> dict[str, float]:
    d = torch.load(path, weights_only=False)  # our own dump (xpatch_tanh_why_stop45.py)
    names = d["names"]
    zn, nl = columns(d["neg"], names, "occlusion")
    zp, _ = columns(d["pos"], names, "occlusion")
    on, _ = columns(d["neg"], names, "t:rotbin")
    op, _ = columns(d["pos"], names, "t:rotbin")
    gm, gs = zn[:, :nl].mean(1).mean(), zn[:, :nl].mean(1).std()

    def grouped(z: Tensor) -> Tensor:
        return ((z[:, :nl].mean(1) - gm) / gs).clamp_min(0).square() + sumsq(z[:, nl:])

    def lcap(z: Tensor) -> Tensor:
        return sumsq(torch.cat([3 * torch.tanh(z[:, :nl] / 3), z[:, nl:]], 1))

    def top(k: int) -> Stat:
        return lambda z: sumsq(z[:, :nl]) + sumsq(z[:, nl:].topk(k, 1).values)
    out = {"default": tpr(sumsq(zn), sumsq(zp)), "occ_for_rotbin": tpr(sumsq(on), sumsq(op)),
           "layers_cap3": tpr(lcap(zn), lcap(zp)), "top1": tpr(top(1)(zn), top(1)(zp)),
           "top2": tpr(top(2)(zn), top(2)(zp)), "layers_grouped": tpr(grouped(zn), grouped(zp))}
    perm = torch.randperm(len(zn), generator=torch.Generator().manual_seed(0))
    cal, ev = perm[: len(zn) // 2], perm[len(zn) // 2:]

    def scale(s: Tensor) -> tuple[Tensor, Tensor]:
        q = torch.quantile(s, torch.tensor([0.5, 0.99], dtype=s.dtype))
        return q[0], (q[1] - q[0]).clamp_min(1e-9)

    out["half default"] = tpr(sumsq(zn[ev]), sumsq(zp))
    others: dict[str, Stat] = {"sum": lambda z: z.clamp_min(0).sum(1),
                               "max": lambda z: z.max(1).values,
                               "maxpix": lambda z: z[:, -2:].max(1).values}
    for label, other in others.items():
        (ma, sa), (mb, sb) = scale(sumsq(zn[cal])), scale(other(zn[cal]))

        def union(z: Tensor, other: Stat = other, a: tuple = (ma, sa),
                  b: tuple = (mb, sb)) -> Tensor:
            return torch.maximum((sumsq(z) - a[0]) / a[1], (other(z) - b[0]) / b[1])
        out[f"half sumsq|{label}"] = tpr(union(zn[ev]), union(zp))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dump", type=Path)
    args = ap.parse_args()
    for p in sorted(args.dump.glob("*.pt")):
        r = read(p)
        print(p.stem.ljust(26), " ".join(f"{k}={v:.3f}" for k, v in r.items()))


if __name__ == "__main__":
    main()
