"""The rare-position column's false flags on clean MNIST digits: few clean images, and inputs
shifted against ``--data`` (issue 14, stop 38 review; measurement only). For one model, clean
images drawn from MNIST's test set plus the first 1,000 training images (a pool of 11,000), per
clean-set size N and split seed S (permutation seed 100 + S): N clean images fit
``detect-inputs``' default (``auto``) with ``rare=false`` and with ``rare=true``; the next 1,000
images of the pool, rolled by SHIFT pixels down and right (0: unshifted), are screened with the
guard's threshold at 1% FPR. Prints per row the share flagged either way, and with the column on:
the share of screened images whose rare column reads ≥ 3 (standardised, before the cap), the
number of rare positions and the column's spread. ``--images rgb`` (MODEL ignored): 32×32 RGB
patches cut from scikit-learn's two sample photographs (1,500 each, generator seed 0; classes:
which photograph and which half), a small CNN trained on 2,000 of them (3 epochs, Adam), the
other 1,000 the pool: natural images, where no position is rare.

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/detect_inputs_rare_review.py \\
        MODEL --n 50,200 --seeds 3 --shift 0
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from trojanscope.data.resolve import load_dataset
from trojanscope.detect.input_level import auto
from trojanscope.detect.input_level.rare import rare_count
from trojanscope.detect.input_level.screen import screen
from trojanscope.io.models import load_model


def main() -> None:
    """Parse the arguments and print one line per (N, seed)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", type=Path)
    ap.add_argument("--images", choices=("mnist", "rgb"), default="mnist")
    ap.add_argument("--n", default="50,200", help="clean-set sizes, comma-separated")
    ap.add_argument("--seeds", type=int, default=3, help="split seeds 0..SEEDS-1")
    ap.add_argument("--shift", type=int, default=0, help="pixels the screened images are rolled")
    args = ap.parse_args()
    torch.manual_seed(0)
    if args.images == "rgb":
        model, x = _photo_patches()
    else:
        model = load_model(args.model).module
        x = torch.cat([load_dataset("mnist", "test").x, load_dataset("mnist", "train").x[:1000]])
    for n in (int(a) for a in args.n.split(",")):
        for seed in range(args.seeds):
            p = torch.randperm(len(x), generator=torch.Generator().manual_seed(100 + seed))
            clean = x[p[:n]]
            test = torch.roll(x[p[n : n + 1000]], shifts=(args.shift, args.shift), dims=(2, 3))
            row = []
            for rare in (False, True):
                r = screen(model, test, clean, auto.create("auto", rare=rare), fpr=0.01, seed=seed)
                row.append(f"rare={rare}: flagged {r.flagged.float().mean().item():.3f}")
                if rare:
                    d = r.guard.detector
                    z = d._raw(test)[:, -1]
                    nz = (rare_count(test, d.floor_, d.bright_span_, d.rare_at_) > 0).float()
                    row.append(
                        f"rare z>=3 {(z >= 3).float().mean().item():.3f} "
                        f"rare_pos {int(d.rare_at_.sum())}/{d.rare_at_.numel()} "
                        f"spread {d.spread_[-1].item():.3g} nonzero {nz.mean().item():.3f}"
                    )
            print(f"n={n} seed={seed} shift={args.shift} | " + " | ".join(row), flush=True)


def _photo_patches() -> tuple[torch.nn.Module, torch.Tensor]:
    """A small CNN trained on 2,000 RGB patches of the sample photographs; the other 1,000."""
    from sklearn.datasets import load_sample_images

    imgs = [
        torch.tensor(i, dtype=torch.float32).permute(2, 0, 1) / 255.0
        for i in load_sample_images().images
    ]
    g = torch.Generator().manual_seed(0)
    xs, ys = [], []
    for k, im in enumerate(imgs):
        for _ in range(1500):
            r = torch.randint(0, im.shape[1] - 32, (1,), generator=g).item()
            c = torch.randint(0, im.shape[2] - 32, (1,), generator=g).item()
            xs.append(im[:, r : r + 32, c : c + 32])
            ys.append(2 * k + int(c > im.shape[2] // 2))
    x, y = torch.stack(xs), torch.tensor(ys)
    nn = torch.nn
    model = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(16 * 64, 32), nn.ReLU(), nn.Linear(32, 4),
    )  # fmt: skip
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    perm = torch.randperm(len(x), generator=g)
    x, y = x[perm], y[perm]
    for _ in range(3):
        for i in range(0, 2000, 64):
            opt.zero_grad()
            nn.functional.cross_entropy(model(x[i : i + 64]), y[i : i + 64]).backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        acc = (model(x[2000:]).argmax(1) == y[2000:]).float().mean().item()
    print(f"rgb model: held-out accuracy {acc:.3f}", flush=True)
    return model, x[2000:]


if __name__ == "__main__":
    main()
