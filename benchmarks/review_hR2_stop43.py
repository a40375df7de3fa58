"""Review hR2 (stop 43) of the stop-42 merges: two checks, each printing what it read.

``maha``: the default ``mahalanobis`` (and four variants) fitted on a fixed random max-pooled
CNN and fixed sparse random images, a hash of the scores: run under two ``src`` trees (the
merge's base and its result) to see that issue 14's change left the default's bits alone::

    PYTHONPATH=BASE/src python benchmarks/review_hR2_stop43.py maha
    PYTHONPATH=src python benchmarks/review_hR2_stop43.py maha

``traits``: ``pool:none`` read off each pooling variant eager and as TorchScript (loaded as
``detect`` loads it), then off every ``foreign_zoo.py --broad`` family in both forms::

    PYTHONPATH=src:benchmarks python benchmarks/review_hR2_stop43.py traits

``mem N``: ``mahalanobis -p occlusion=true -p transforms=[]`` fitted on a random PreAct
ResNet-18 with N random 32×32 inputs (one torch thread), with or without ``--occlusion``: the
fit's seconds and the process's peak resident memory::

    PYTHONPATH=src:benchmarks python benchmarks/review_hR2_stop43.py mem 1000 --occlusion
"""

from __future__ import annotations

import argparse
import hashlib
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from _common import run_main

VARIANTS = ({}, {"pixel_cap": None}, {"cap": 0.0}, {"transforms": []}, {"max_transforms": 1})
POOLS = ("max_pool2d", "adaptive_max_pool2d", "max_pool1d", "amax", "AdaptiveMaxPool2d",
         "LPPool2d", "stride")


def maha() -> None:
    """Score hashes of the default and four variants."""
    from trojanscope import registry

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.ReLU(),
                                torch.nn.MaxPool2d(2), torch.nn.Flatten(),
                                torch.nn.Linear(4 * 14 * 14, 10)).eval()
    x = torch.rand(400, 1, 28, 28)
    x[x < 0.7] = 0
    for params in VARIANTS:
        det = registry.create("input-detector", "mahalanobis", **params)
        det.fit(model, x[:300], generator=torch.Generator().manual_seed(0))
        s = det.score(x[300:]).double().numpy()
        print(params or "default", det.transforms_, det.forward_passes_per_input,
              hashlib.sha1(s.tobytes()).hexdigest()[:16], f"{s.sum():.6f}")


class Pooled(torch.nn.Module):
    """A ReLU CNN pooled by ``how`` (a function, a module, or ``stride``: none)."""

    def __init__(self, how: str) -> None:
        super().__init__()
        self.how = how
        self.conv = torch.nn.Conv2d(1, 4, 3, padding=1, stride=2 if how == "stride" else 1)
        self.pool = {"AdaptiveMaxPool2d": torch.nn.AdaptiveMaxPool2d(14),
                     "LPPool2d": torch.nn.LPPool2d(2, 2)}.get(how)
        self.fc = torch.nn.Linear(4 * 14 * 14, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.conv(x))
        if self.pool is not None:
            h = self.pool(h)
        elif self.how == "max_pool2d":
            h = F.max_pool2d(h, 2)
        elif self.how == "adaptive_max_pool2d":
            h = F.adaptive_max_pool2d(h, 14)
        elif self.how == "max_pool1d":
            h = F.max_pool1d(h.flatten(2), 4).view(-1, 4, 14, 14)
        elif self.how == "amax":
            h = h.view(-1, 4, 14, 2, 14, 2).amax((3, 5))
        return self.fc(h.flatten(1))


def _both(model: torch.nn.Module, tmp: Path) -> tuple[set[str], set[str]]:
    from trojanscope.detect.coverage import architecture_traits
    from trojanscope.io.models import load_model

    torch.jit.trace(model, torch.rand(1, 1, 28, 28)).save(str(tmp / "m.pt"))
    return architecture_traits(model), architecture_traits(load_model(tmp / "m.pt").module)


def traits() -> None:
    """``pool:none`` eager / TorchScript per pooling variant and per foreign family."""
    import foreign_zoo
    from trojanscope.detect.coverage import NO_POOL

    tmp = Path(tempfile.mkdtemp())
    for how in POOLS:
        eager, script = _both(Pooled(how).eval(), tmp)
        print(f"{how:20s} pool:none eager {NO_POOL in eager!s:5s} TorchScript "
              f"{NO_POOL in script!s:5s}")
    for fam in foreign_zoo.BROAD_ARCH:
        model, _ = foreign_zoo.build(fam, np.random.default_rng(0))
        eager, script = _both(model.eval(), tmp)
        print(f"{fam:20s} eager {sorted(eager)} TorchScript {sorted(script)}")


def mem(n: int, occlusion: bool) -> None:
    """Fit time and peak memory of one fit on ``n`` inputs of a PreAct ResNet-18."""
    from trojanscope import registry
    from trojanscope.models import create_model

    torch.manual_seed(0)
    model = create_model("preact_resnet18", (3, 32, 32), 10).eval()
    x = torch.rand(n, 3, 32, 32)
    det = registry.create("input-detector", "mahalanobis", occlusion=occlusion, transforms=[])
    start = time.perf_counter()
    det.fit(model, x, generator=torch.Generator().manual_seed(0))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB on Linux -> GiB
    print(f"n {n} occlusion {occlusion}: fit {time.perf_counter() - start:.1f} s, "
          f"peak RSS {peak:.2f} GiB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("check", choices=("maha", "traits", "mem"))
    ap.add_argument("n", type=int, nargs="?", default=1000, help="mem: inputs fitted on")
    ap.add_argument("--occlusion", action="store_true", help="mem: with the occlusion column")
    args = ap.parse_args()
    torch.set_num_threads(1)
    if args.check == "mem":
        mem(args.n, args.occlusion)
    else:
        maha() if args.check == "maha" else traits()


if __name__ == "__main__":
    run_main(main)
