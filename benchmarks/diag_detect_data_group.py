"""Issue 13, stop 34: which samples an infected class's poison group holds (diagnosis only).

For each cached set (``bench_detect_data_cache.py`` files given as paths; the set is rebuilt
from the seed in the file name), ``auto`` as shipped (or with ``--param k=v``) is run on the
cached feature model, and for every infected (split) class it prints the final poison group
(after confusion training's orientation): its carriers and clean samples, the share of it
disagreeing with its early neighbours (agreement under 0.5), the carriers' and clean members'
early agreement and outside purity (10th/50th/90th percentiles), how many flagged members a
cut ``agreement >= a and purity < p`` would leave unflagged (carriers / clean), their own-label
probability after confusion training, and with
``--subsplit`` the two halves of a 2-means split inside the group.

    PYTHONPATH=src python benchmarks/diag_detect_data_group.py CACHE/*.pt [--subsplit] \
        [--param typical_agree=0.9] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import numpy as np
import torch
from sklearn.cluster import KMeans

sys.path.insert(0, str(Path(__file__).parent))
from bench_detect_data import cached_features, poisoned_sets, sets
from trojanscope.detect.data.auto import AutoData
from trojanscope.detect.data.neighbours import outside_purity
from trojanscope.detect.data.run import detect_data
from trojanscope.detect.data.split import others_whitened

CUTS = ((0.9, 0.8), (0.9, 0.6), (1.0, 0.8))  # (agreement at least, purity under)
NAME = re.compile(r"(\w+)_(\d+)pc_(all-to-\w+)_t(\d)_s(\d+)\.pt")


def set_of(path: Path) -> tuple[int, int] | None:
    """(seed base, set number) of a cache file's name; None if it names no benchmark set."""
    m = NAME.match(path.name)
    if not m:
        return None
    attack, rate, mapping, _, seed = m.groups()
    for i, s in enumerate(sets(0)):
        if (s["attack"], round(s["rate"] * 100), s["mapping"]) == (attack, int(rate), mapping):
            return int(seed) - i, i
    return None


def quant(a: np.ndarray) -> list[float] | None:
    return [round(float(v), 2) for v in np.percentile(a, [10, 50, 90])] if len(a) else None


def oriented(det: AutoData, feats, index: np.ndarray, cluster: np.ndarray, side: int):
    """An infected group's poison side after confusion training's orientation (as
    ``orient_by_confusion`` turns it) and its members' outside purity in the early view."""
    means = [
        det.confused[index[cluster == j]].mean() if (cluster == j).any() else 0.0 for j in (0, 1)
    ]
    if means[1 - side] > det.confusion_threshold >= means[side]:
        side = 1 - side
    purity = outside_purity(det.early_emb, feats.labels, torch.as_tensor(index), det.k).numpy()
    return side, purity


def groups(path: Path, params: dict, subsplit: bool) -> dict:
    """One set: ``auto``'s flags and each infected class's final poison group."""
    base, number = set_of(path)
    ((_, data, poison, name),) = poisoned_sets(base, str(number))
    det = AutoData(**params)
    feats = cached_features(data, path.parent, name)
    r = detect_data(data, method=det, features=feats)
    labels = data.labels.numpy()
    flagged = np.zeros(len(labels), bool)
    flagged[r.flagged] = True
    out = {
        "set": name,
        "infected": det.evidence["infected"],
        "suspect": det.evidence["suspect"],
        "carriers_flagged": int((flagged & poison).sum()),
        "clean_flagged": int((flagged & ~poison).sum()),
        "groups": [],
    }
    white = others_whitened(feats.features.numpy(), labels, det.dims) if subsplit else None
    for index, cluster, side in det.infected_groups:
        side, purity = oriented(det, feats, index, cluster, side)
        g = cluster == side
        ii = index[g]
        agree, pur, po = det.agree[ii], purity[g], poison[ii]
        fl = flagged[ii] & ~det.both[ii]
        c = int(labels[index[0]])
        row = {
            "class": c,
            "size": int(g.sum()),
            "carriers": int(po.sum()),
            "clean": int((~po).sum()),
            "disagree_share": round(float((agree < 0.5).mean()), 3),
            "agree_carriers": quant(agree[po]),
            "agree_clean": quant(agree[~po]),
            "purity_carriers": quant(pur[po]),
            "purity_clean": quant(pur[~po]),
            "confusion_carriers": quant(det.confused[ii][po]),
            "confusion_clean": quant(det.confused[ii][~po]),
        }
        for a, p in CUTS:
            cut = fl & (agree >= a) & (pur < p)
            row[f"agree>={a}&purity<{p}"] = [int((cut & po).sum()), int((cut & ~po).sum())]
        if white is not None:
            for space, z in (("white", white[c][g]), ("early", det.early_emb.numpy()[ii])):
                km = KMeans(2, n_init=5, random_state=0).fit(z - z.mean(0))
                row[f"subsplit_{space}"] = [
                    [int(po[km.labels_ == j].sum()), int((~po[km.labels_ == j]).sum())]
                    for j in (0, 1)
                ]
        out["groups"].append(row)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("caches", nargs="+", type=Path)
    parser.add_argument("--param", action="append", default=[], help="auto's k=v (JSON value)")
    parser.add_argument("--subsplit", action="store_true")
    parser.add_argument("--json", type=Path, default=None)
    opts = parser.parse_args()
    params = {k: json.loads(v) for k, v in (p.split("=", 1) for p in opts.param)}
    rows = []
    for path in opts.caches:
        if set_of(path) is None:
            continue
        rows.append(groups(path, params, opts.subsplit))
        print(json.dumps(rows[-1]), flush=True)
    if opts.json:
        opts.json.write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
