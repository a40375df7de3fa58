"""Issue 16 stop 51 (h16a): ``label-groups``' ``tie_outside=2`` — the tied rows' margin
measured past a group mostly of tied rows only where that group also holds at least half of
them (``TIE_COVER``) — against today's default (``tie_outside=0``) and ``tie_outside=1``, on
the data-level sets of ``bench_tabular_detect.py`` (the same sets, seeds ``--base`` + …).

``tie_outside`` changes the flags only, so each set is scored once by ``detect-data``'s
``label-groups`` with ``tie_outside=1`` (today's scores: ``pair_contrast=1``), the groups it
hands ``label_flags`` are recorded, and the three settings' flags are computed from the same
scores and groups with ``label_flags`` (``tie_outside=1``'s are checked against the
detector's own). Writes three JSON files in ``bench_tabular_detect.py --json``'s row format
(``--out PREFIX``: PREFIX_t0.json = today's default, PREFIX_t1.json, PREFIX_t2.json) for
``tabular_pairs_rule.py``, and prints one row per set with its tie: whether the ``top``
quantile is the highest score, the tied rows (poison) and the three margins' steps.

    PYTHONPATH=src:benchmarks python benchmarks/tabular_tie_cover.py --base 8600 --out D/b8600
"""

from __future__ import annotations

import argparse
import time
from types import SimpleNamespace

import numpy as np
import torch

torch.set_num_threads(1)

from bench_tabular_detect import score, scored_sets, write_runs  # noqa: E402
from trojanscope.detect.data import label_groups as lg  # noqa: E402
from trojanscope.detect.data.run import detect_data  # noqa: E402

RUNS = ("t0", "t1", "t2")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=int, required=True)
    parser.add_argument("--out", required=True, help="prefix of the three JSON files")
    args = parser.parse_args()
    p = lg.LabelGroups()  # today's top, sure, tie_sure and tie_margin
    real, seen = lg.label_flags, {}

    def recording(scores, *rest, **kw):  # the groups the detector hands label_flags
        seen["groups"] = rest[4]
        return real(scores, *rest, **kw)

    lg.label_flags = recording
    rows: dict[str, list[dict]] = {k: [] for k in RUNS}
    print("| data | attack | target | poison | ROC-AUC | flags TPR/FPR t0 (default) | t1 | t2 | "
          "cut = top?, cut, tied (poison) | step t0 / t1 / t2 | time |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for ds, name, target, seed, data, mask in scored_sets(args.base):
        t0 = time.perf_counter()
        result = detect_data(data, method="label-groups", tie_outside=1)
        wall = time.perf_counter() - t0
        s, groups = result.suspicion, seen.pop("groups")
        flags = {"t0": real(s, p.top, p.sure, p.tie_sure, p.tie_margin),
                 "t1": real(s, p.top, p.sure, p.tie_sure, p.tie_margin, groups),
                 "t2": real(s, p.top, p.sure, p.tie_sure, p.tie_margin, groups, lg.TIE_COVER)}
        if not np.array_equal(flags["t1"], np.asarray(result.flagged)):
            raise SystemExit(f"error: tie_outside=1's flags differ from the detector's ({seed})")
        for key in RUNS:
            res = SimpleNamespace(suspicion=s, elapsed_s=result.elapsed_s, flagged=flags[key])
            rows[key].append({"dataset": ds, "attack": name, "target": target, "seed": seed,
                              "poison": int(mask.sum()), "method": "label-groups",
                              **score(res, mask), "wall_s": wall})
        cut = float(np.quantile(s, p.top))
        tied = s == cut
        below = s[s < cut]
        steps = [float(below.max()) if below.size else 0.0]
        steps += [min(steps[0], lg.next_outside(tied, cut, groups, cover))
                  for cover in (0.0, lg.TIE_COVER)]
        r = {k: rows[k][-1] for k in RUNS}
        cells = " | ".join(f"{r[k]['tpr']:.2f}/{r[k]['fpr']:.3f}" for k in RUNS)
        print(f"| {ds} | {name} | {target if mask.any() else '–'} | {r['t0']['poison']} | "
              f"{r['t0']['roc_auc']:.3f} | {cells} | "
              f"{'yes' if cut == float(s.max()) else 'no'} {cut:.3f}, {int(tied.sum())} "
              f"({int((tied & mask).sum())}) | {' / '.join(f'{x:.3f}' for x in steps)} | "
              f"{wall:.1f} s |", flush=True)
    write_runs(rows, args.out)


if __name__ == "__main__":
    main()
