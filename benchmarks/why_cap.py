"""Why the Mahalanobis detector caps its consistency columns: how each column's clean tail,
fitted on the guard half, holds on new clean inputs, measured.

    OMP_NUM_THREADS=1 PYTHONPATH=src .venv/bin/python benchmarks/why_cap.py RUN [RUN ...]

For each run, the MNIST test split is halved as in ``bench_detect_inputs.py`` (seed 0); the
detector (``auto`` transforms, ``cap=0``: the columns as they were before the cap) fits on one
half. Printed per consistency column: its clean 99th percentile on the fitted half (2.33 by the
tail scale), its 99th percentile and maximum on the held-out clean half, and its median over the
triggered inputs on which the backdoor fires; then the TPR at 1% FPR on the held-out half of the
score with and without the cap, with the same fitted statistics.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from trojanscope.data import load_dataset
from trojanscope.detect.input_level.consistency import TAIL_Z
from trojanscope.detect.input_level.evaluate import tpr_at_fpr, triggered_split
from trojanscope.detect.input_level.mahalanobis import CAP, Mahalanobis, combine_columns
from trojanscope.io.models import load_model
from trojanscope.mitigate.triggers import attack_from_spec


def report(run: Path, fpr: float) -> None:
    """Print the consistency columns' clean tails and the TPR with and without the cap."""
    loaded = load_model(run)
    model = loaded.module.eval()
    attack = attack_from_spec(loaded.manifest.attack)
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        guard_x, neg_x, trig_x, fires = triggered_split(model, load_dataset("mnist", "test"),
                                                        attack, gen)
        det = Mahalanobis(cap=0)
        det.fit(model, guard_x, generator=gen)
        neg, pos = det._raw(neg_x), det._raw(trig_x[fires])
    k = len(det.transforms_)
    print(f"{run.name}: transforms kept {list(det.transforms_)}; {int(fires.sum())} firing inputs")
    for j, name in enumerate(det.transforms_):
        col = neg.shape[1] - k + j
        n = neg[:, col]
        print(f"  {name:9s} clean 99th pct: fitted half {TAIL_Z:.2f}, held-out "
              f"{float(torch.quantile(n, 0.99)):.2f} (max {float(n.max()):.2f}); "
              f"triggered median {float(pos[:, col].median()):.2f}")
    for cap in (0.0, CAP):
        n, p = neg.clone(), pos.clone()
        if cap and k:
            n[:, -k:] = cap * torch.tanh(n[:, -k:] / cap)
            p[:, -k:] = cap * torch.tanh(p[:, -k:] / cap)
        s_n, s_p = combine_columns(n, det.combine), combine_columns(p, det.combine)
        print(f"  cap={cap:g}: TPR at {fpr:.0%} FPR {tpr_at_fpr(s_n, s_p, fpr):.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", type=Path, nargs="+", help="red-team run folders (MNIST)")
    ap.add_argument("--fpr", type=float, default=0.01)
    args = ap.parse_args()
    torch.set_num_threads(1)
    for run in args.runs:
        report(run, args.fpr)


if __name__ == "__main__":
    main()
