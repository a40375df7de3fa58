"""Stop 38's development noise for the worst-family bound of the rare-position column's rule
(issue 14; docs/benchmarks.md, "issue 14, stop 38"): how far a trigger family's mean TPR at 1%
FPR moves when nothing about the detector's ability changes, read on development outputs only.

Two readings, both of ``bench_detect_inputs*.py`` JSON outputs holding today's default
(``mahalanobis``) and the candidate (``mahalanobis:rare=true``) scored in the same process:

- ``--paired FILE...``: per model and per trigger family, the candidate's TPR minus the
  default's, on families the column is not for (every family but the one-pixel cross): the cost
  of the column's clean noise where it carries nothing.
- ``--seeds FILE...``: the same models scored with other clean/triggered splits (``--seed``);
  per family and split seed, each method's family mean and the paired difference: how much a
  family mean moves with the split alone, and how much the paired difference does.

    PYTHONPATH=src python benchmarks/rare_noise_stop38.py \
        --paired benchmarks/data/detect_inputs/stop37/dev/*.json \
                 benchmarks/data/detect_inputs/stop37/fresh/*.json \
                 benchmarks/data/detect_inputs/stop38/noise/*.json \
        --seeds benchmarks/data/detect_inputs/stop37/fresh/rare_stop37_s34_*.json \
                benchmarks/data/detect_inputs/stop38/noise/*.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from rare_rule_stop37 import CROSS, rare_candidate


def rows_of(path: Path) -> list[dict]:
    """The rows of one output, each with a ``family`` (the foreign trigger family, or our own
    attack's name) and a ``key`` naming the model."""
    data = json.loads(path.read_text())
    out = []
    for r in data["rows"] if isinstance(data, dict) else data:
        foreign = "zoo" in r
        r["family"] = r["trigger"] if foreign else r["model"].split("-")[0]
        r["key"] = f"{Path(r['zoo']).name}/{r['model']}" if foreign else r["model"]
        r["label"] = r["requested"] if foreign else r["method"]
        r["split_seed"] = _split_seed(path)
        out.append(r)
    return out


def _split_seed(path: Path) -> int:
    """Stop 38's seed outputs are named ``..._seedN.json``; every other output used seed 0."""
    stem = path.stem
    return int(stem.rsplit("_seed", 1)[1]) if "_seed" in stem else 0


def paired(paths: list[Path]) -> None:
    """Candidate minus default, per model and per family, outside the one-pixel cross."""
    by: dict[tuple[int, str], dict[bool, dict]] = {}
    for p in paths:
        for r in rows_of(p):
            by.setdefault((r["split_seed"], r["key"]), {})[rare_candidate(r["label"])] = r
    fam: dict[str, list[float]] = {}
    falls = []
    for (_, key), pair in sorted(by.items()):
        if len(pair) < 2 or pair[False]["family"] == CROSS:
            continue
        b, c = pair[False], pair[True]
        d = c["tpr_at_fpr"] - b["tpr_at_fpr"]
        fam.setdefault(b["family"], []).append(d)
        if d < 0:
            lost = round(-d * b["positives"])
            falls.append(f"{key} {b['tpr_at_fpr']:.3f} -> {c['tpr_at_fpr']:.3f} ({lost} inputs)")
    n = sum(len(v) for v in fam.values())
    print(f"paired, outside the one-pixel cross: {n} scorings (model, split seed)")
    print(f"  falls: {falls or 'none'}")
    worst = min(min(v) for v in fam.values())
    print(f"  largest per-model fall {-worst:.4f}")
    for f, v in sorted(fam.items()):
        print(
            f"  family {f}: {len(v)} scorings, mean difference {np.mean(v):+.4f}, "
            f"lowest {min(v):+.4f}"
        )


def seeds(paths: list[Path]) -> None:
    """Per family and split seed: each method's family mean and the paired difference."""
    cell: dict[tuple[str, int, bool], list[float]] = {}
    for p in paths:
        for r in rows_of(p):
            k = (r["family"], r["split_seed"], rare_candidate(r["label"]))
            cell.setdefault(k, []).append(r["tpr_at_fpr"])
    families = sorted({f for f, _, _ in cell})
    split = sorted({s for _, s, _ in cell})
    for f in families:
        means = {
            s: (np.mean(cell[(f, s, False)]), np.mean(cell[(f, s, True)]))
            for s in split
            if (f, s, False) in cell and (f, s, True) in cell
        }
        if len(means) < 2:
            continue
        n = len(cell[(f, split[0], False)])
        d = [c - b for b, c in means.values()]
        base = [b for b, _ in means.values()]
        cand = [c for _, c in means.values()]
        print(
            f"family {f} ({n} models), per split seed, mean TPR default / with rare / "
            "difference: "
            + "; ".join(f"seed {s} {b:.4f} / {c:.4f} / {c - b:+.4f}" for s, (b, c) in means.items())
        )
        print(
            f"  range over split seeds: default {max(base) - min(base):.4f}, with rare "
            f"{max(cand) - min(cand):.4f}, difference {min(d):+.4f} .. {max(d):+.4f}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--paired", type=Path, nargs="*", default=[])
    ap.add_argument("--seeds", type=Path, nargs="*", default=[])
    args = ap.parse_args()
    if args.paired:
        paired(args.paired)
    if args.seeds:
        seeds(args.seeds)


if __name__ == "__main__":
    main()
