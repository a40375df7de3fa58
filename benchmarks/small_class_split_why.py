"""Why leaving a small class out moved another class's split (stop 71, hcmd): on one uneven
set of ``small_class_auto.py``, the split margin of every judged class (separation less the
size-adjusted clean threshold, in pooled std; the verdict names a class at 1.0) computed four
ways on the same trained features: on the subset without the small classes (stop 70's path),
on the whole set, on the whole set with the small classes left out of each whitener only, and
on the subset's rows of the whole set's principal directions.

    PYTHONPATH=src:benchmarks python benchmarks/small_class_split_why.py clean-5 0
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np


def margins(auto, feats, features: np.ndarray, labels: np.ndarray, small: list[int],
            reduced: np.ndarray | None = None, whiten_rows: np.ndarray | None = None,
            ) -> dict[int, float]:
    """Each judged class's split margin (``split.split_classes``' steps, one knob at a time):
    ``reduced``, principal directions given; ``whiten_rows``, the rows every whitener may use."""
    from trojanscope.detect.data.split import _split
    from trojanscope.detect.data.stats import class_centred, pooled_whitener, reduce

    red = reduce(features, auto.dims) if reduced is None else reduced
    centred = class_centred(red, labels)
    rows = np.ones(len(labels), bool) if whiten_rows is None else whiten_rows
    out = {}
    for c in np.unique(labels):
        if c in small:
            continue
        own = labels == c
        zc = centred[own] @ pooled_whitener(centred[~own & rows]).T
        _, sep = _split(zc - zc.mean(0), auto.seed)
        shift = auto.size_shift(int(own.sum()), feats)
        out[int(c)] = round(sep - auto.min_separation - shift, 2)
    return out


def main() -> None:
    import torch

    from small_class_auto import uneven_set
    from trojanscope.data.dataset import make_dataset
    from trojanscope.detect.data.auto import AutoData
    from trojanscope.detect.data.run import features_for
    from trojanscope.detect.data.stats import reduce

    torch.set_num_threads(1)
    kind, seed = sys.argv[1], int(sys.argv[2])
    x, y, poison = uneven_set(kind, seed)
    data = make_dataset(x, y, num_classes=10, name=kind, poison_mask=poison)
    cpu = time.process_time()
    feats = features_for(data, seed=0, source="trained")
    features, labels = feats.features.numpy(), feats.labels.numpy()
    auto = AutoData()
    counts = np.bincount(labels, minlength=10)
    small = [c for c in range(10) if 0 < counts[c] < auto.min_per_class]
    keep = ~np.isin(labels, small)
    print(json.dumps({
        "set": kind, "seed": seed, "small": small,
        "subset": margins(auto, feats, features[keep], labels[keep], small),
        "whole": margins(auto, feats, features, labels, small),
        "whole_whitened_without_small": margins(auto, feats, features, labels, small,
                                                whiten_rows=keep),
        "subset_rows_of_whole_directions": margins(
            auto, feats, features[keep], labels[keep], small,
            reduced=reduce(features, auto.dims)[keep]),
        "cpu_s": round(time.process_time() - cpu, 1),
    }))


if __name__ == "__main__":
    main()
