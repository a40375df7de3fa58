"""Why ABL's detector isolation finds no poison on a small file (issue 9, stop 55: hfc): the
run folders of ``abl_small_file.py`` (``WORK/runs/SEED-ATTACK-none``, no defence) rebuilt as
``detect-data RUN`` rebuilds them, their classes too small for the detector left out as
``--defence abl`` leaves them (``judged_samples``), then ``detect-data``'s default method with
the run's seed, as ABL calls it. One JSON line per run: the set verdict and its reasons, the
evidence the verdict reads (per class: split margins, near-total disagreements, label
consistency; the confusion counts), the candidates before the verdict and how many of the
poison they hold, and the poison's rank by the detector's own suspicion.

    python benchmarks/abl_small_why.py WORK --runs 62-blended-none 61-blended-none
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np


def read(work: Path, name: str) -> dict:
    """One run's reading (above); the run folder's manifest names its file relative to WORK."""
    import torch

    from trojanscope.defences.abl import judged_samples
    from trojanscope.defences.subset import IndexSubset
    from trojanscope.detect.data.inputs import load_suspect
    from trojanscope.detect.data.run import detect_data, make_detector, resolve_detector
    from trojanscope.io.manifest import read_manifest

    os.chdir(work)
    seed = int(read_manifest(work / "runs" / name).seed)
    suspect = load_suspect(work / "runs" / name)
    data, poison = suspect.data, np.asarray(suspect.poison, bool)
    need = resolve_detector(make_detector("auto"), data, with_features=False).min_per_class
    notes: list[str] = []
    judged = judged_samples(data, need, notes)
    idx = torch.arange(len(data)) if judged is None else judged
    sub, truth = IndexSubset(data, idx), poison[idx.numpy()]
    res = detect_data(sub, method="auto", seed=seed, poison=truth)
    evidence = res.details.get("evidence", {})
    order = np.argsort(-res.suspicion)
    ranks = sorted(int(np.nonzero(order == i)[0][0]) for i in np.nonzero(truth)[0])
    keep = ("split_margins", "split_classes", "strong_counts", "consistency_z",
            "disagree_counts", "class_sizes", "confusion_counts", "n_disagree", "n_both")
    return {"run": name, "seed": seed, "judged": len(idx), "poison": int(truth.sum()),
            "small_classes": notes, "verdict": res.details.get("verdict"),
            "candidates": int(res.details.get("candidates", 0)),
            "flagged": len(res.flagged),
            "poison_flagged": int(truth[res.flagged].sum()) if len(res.flagged) else 0,
            "poison_ranks": ranks,
            "evidence": {k: _plain(evidence[k]) for k in keep if k in evidence},
            "evidence_keys": sorted(evidence)}


def _plain(value):  # type: ignore[no-untyped-def]
    arr = np.asarray(value)
    return np.round(arr.astype(float), 2).tolist() if arr.dtype.kind in "fiu" else value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("work", type=Path)
    parser.add_argument("--runs", nargs="+", required=True)
    args = parser.parse_args()
    for name in args.runs:
        print(json.dumps(read(args.work.resolve(), name)), flush=True)


if __name__ == "__main__":
    main()
