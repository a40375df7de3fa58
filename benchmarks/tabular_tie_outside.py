"""Issue 16 stop 49c: ``label-groups``' ``tie_margin`` measured to the next score held by a
group of rows outside the tied group (``tie_outside=1``), alone and with ``pair_contrast=1``,
on the data-level sets of ``bench_tabular_detect.py`` (the same sets, seeds ``--base`` + …).

``tie_outside`` changes the flags only, so each set is scored twice by ``detect-data``'s
``label-groups`` (the scores of before stop 49c, and with ``pair_contrast=1``), both with
``tie_outside=1``; the flags of before stop 49c (``tie_margin`` 0.1 to the next distinct
score) are recomputed with ``label_flags`` on the same scores. ``default`` is label-groups'
default of before stop 49c (``pair_contrast=0``, ``tie_outside=0``), whatever today's default
is. Writes four JSON files in ``bench_tabular_detect.py --json``'s row format (``--out
PREFIX``: PREFIX_default.json, PREFIX_outside.json, PREFIX_contrast.json,
PREFIX_contrast_outside.json) for ``tabular_pairs_rule.py`` to compare, and prints one table
row per set (each row's ``wall_s`` is its scoring's time).

    PYTHONPATH=src:benchmarks python benchmarks/tabular_tie_outside.py --base 8000 --out D/b8000
"""

from __future__ import annotations

import argparse
import time
from types import SimpleNamespace

import numpy as np
import torch

torch.set_num_threads(1)

from bench_tabular_detect import score, scored_sets, write_runs  # noqa: E402
from trojanscope.detect.data.label_groups import LabelGroups, label_flags  # noqa: E402
from trojanscope.detect.data.run import detect_data  # noqa: E402

RUNS = ("default", "outside", "contrast", "contrast_outside")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=int, required=True)
    parser.add_argument("--out", required=True, help="prefix of the four JSON files")
    args = parser.parse_args()
    p = LabelGroups()  # today's top, sure, tie_sure and tie_margin
    rows: dict[str, list[dict]] = {k: [] for k in RUNS}
    print("| data | attack | target | poison | ROC-AUC default / contrast | flags TPR/FPR "
          "default | outside | contrast | contrast + outside | default: cut = top?, cut, "
          "tied (poison) | contrast: the same | time default / contrast |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for ds, name, target, seed, data, mask in scored_sets(args.base):
        walls, cuts = [], []
        for old, new, contrast in (("default", "outside", 0.0),
                                   ("contrast", "contrast_outside", 1.0)):
            t0 = time.perf_counter()
            result = detect_data(data, method="label-groups", tie_outside=1,
                                 pair_contrast=contrast)
            walls.append(time.perf_counter() - t0)
            s = result.suspicion
            today = SimpleNamespace(suspicion=s, elapsed_s=result.elapsed_s, flagged=label_flags(
                s, p.top, p.sure, p.tie_sure, p.tie_margin))
            for key, res in ((old, today), (new, result)):
                rows[key].append({"dataset": ds, "attack": name, "target": target,
                                  "seed": seed, "poison": int(mask.sum()),
                                  "method": "label-groups", **score(res, mask),
                                  "wall_s": walls[-1]})
            cut = float(np.quantile(s, p.top))
            tied = s == cut
            cuts.append(f"{'yes' if cut == float(s.max()) else 'no'} {cut:.3f}, "
                        f"{int(tied.sum())} ({int((tied & mask).sum())})")
        r = {k: rows[k][-1] for k in RUNS}
        flags = " | ".join(f"{r[k]['tpr']:.2f}/{r[k]['fpr']:.3f}" for k in RUNS)
        print(f"| {ds} | {name} | {target if mask.any() else '–'} | {r['default']['poison']} | "
              f"{r['default']['roc_auc']:.3f} / {r['contrast']['roc_auc']:.3f} | {flags} | "
              f"{cuts[0]} | {cuts[1]} | {walls[0]:.1f} / {walls[1]:.1f} s |", flush=True)
    write_runs(rows, args.out)


if __name__ == "__main__":
    main()
