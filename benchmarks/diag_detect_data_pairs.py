"""Per pair of an all-to-all map, how the default ``detect-data`` reads its carriers, and what a
spectral tier whatever the agreement (``spread_sure_z``) would add (issue 13, stop 39b;
diagnosis only, it changes nothing).

For each chosen set (``bench_detect_data.sets``), ``auto`` as shipped runs once on the cached
feature model. Per (true label -> given label) pair of the carriers: how many, how many
flagged, how many in an infected class's split group, how many by signal 3 (*both views*), and
the medians of their early label agreement, spectral robust z and own-label probability after
confusion training. Then, for each ``--z``, the carriers and clean samples not flagged whose
spectral z is above it (what ``spread_sure_z=z`` adds where the set shows the all-to-all
signature; the row says whether it does).

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/diag_detect_data_pairs.py \
        --seed-base 54000 --sets 16,17,18,19 --cache /tmp/h13cs38/cache [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

torch.set_num_threads(1)
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_detect_data import cached_features, poisoned_sets  # noqa: E402
from trojanscope.data.resolve import load_dataset  # noqa: E402
from trojanscope.detect.data.auto import AutoData  # noqa: E402
from trojanscope.detect.data.flagging import robust_z  # noqa: E402
from trojanscope.detect.data.run import detect_data  # noqa: E402
from trojanscope.detect.data.spectral import SpectralSignatures  # noqa: E402
from trojanscope.detect.data.verdict import all_to_all_signature  # noqa: E402


def pair_rows(masks: dict, poison, truth, given) -> list[dict]:
    """One row per carrier pair: counts under each mask of ``masks`` (``flagged``, ``group``,
    ``both``) and medians of the per-sample arrays (``agree``, ``spectral``, ``confused``)."""
    rows = []
    for a, b in sorted(set(zip(truth[poison].tolist(), given[poison].tolist(), strict=True))):
        m = poison & (truth == a) & (given == b)
        row = {"pair": f"{a}->{b}", "n": int(m.sum())}
        row.update({k: int((m & v).sum()) for k, v in masks.items() if v.dtype == bool})
        row.update(
            {
                f"{k}_median": round(float(np.median(v[m])), 3)
                for k, v in masks.items()
                if v.dtype != bool
            }
        )
        rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed-base", type=int, required=True)
    parser.add_argument("--sets", required=True)
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--z", default="6,8,10", help="comma-separated spectral z cuts")
    parser.add_argument("--json", type=Path, default=None)
    opts = parser.parse_args()
    truth = load_dataset("mnist", "train").labels.numpy()
    rows = []
    for _, data, poison, name in poisoned_sets(opts.seed_base, opts.sets):
        det = AutoData()
        feats = cached_features(data, opts.cache, name)
        r = detect_data(data, method=det, features=feats)
        given = data.labels.numpy()
        flags = np.zeros(len(poison), dtype=bool)
        flags[r.flagged] = True
        group = np.zeros(len(poison), dtype=bool)
        for index, cluster, side in det.infected_groups:
            group[index[cluster == side]] = True
        spectral = robust_z(SpectralSignatures().score(feats))
        ev = det.evidence
        row = {
            "set": name,
            "tpr": round(float((flags & poison).sum() / poison.sum()), 4),
            "fpr": round(float((flags & ~poison).sum() / (~poison).sum()), 4),
            "signature": all_to_all_signature(ev["n_disagree"], ev["n_both"]),
            "infected": ev["infected"],
            "pairs": pair_rows(
                {
                    "flagged": flags,
                    "group": group,
                    "both": det.both,
                    "agree": det.agree,
                    "spectral": spectral,
                    "confused": getattr(det, "confused", spectral * np.nan),
                },
                poison,
                truth,
                given,
            ),
            "added": {
                z: {
                    "carriers": int((~flags & poison & (spectral > float(z))).sum()),
                    "clean": int((~flags & ~poison & (spectral > float(z))).sum()),
                }
                for z in opts.z.split(",")
            },
        }
        rows.append(row)
        print(json.dumps(row), flush=True)
    if opts.json:
        opts.json.parent.mkdir(parents=True, exist_ok=True)
        opts.json.write_text(json.dumps({"rows": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
