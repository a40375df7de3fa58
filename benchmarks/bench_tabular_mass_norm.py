"""Missing training mass normalised per class (issue 16): the design study for trees.

Clean trees' natural leaf deficits are larger for the minority class, so a target-0 backdoor
(poison among the minority rows, relabelled to the majority class) leaves class-0 deficits no
larger than class 1's natural ones and ``tab_mass`` (the largest class's) reads class 1. Here
each class's mass is set against what the clean model allows for that class, four ways:

- ``raw``:    the class's mass as ``tab_mass`` takes it (mean of its 10 largest deficits);
- ``mean``:   divided by the mean deficit of every leaf of the class (natural scale);
- ``median``: divided by the median of the class's positive deficits;
- ``prior``:  times the share of clean rows the model predicts as that class (the prior);
- ``major`` / ``minor``: the raw mass of the class the model predicts most on the clean rows,
  and the largest of the other classes' (apart, so a calibrator weighs each on its own).

Per tree model of the given zoos (first 30 trees, as detection reads them), each candidate's
largest class is taken (log1p). Printed: raw ROC-AUC per library and target, and the
leave-one-family-out (family: one zoo) cross-entropy of each calibrator design (these
features with the zoo's ``zoo eval`` row features ``tab_box``, ``tab_score``, ``tab_flip_1``):

    PYTHONPATH=src python benchmarks/bench_tabular_mass_norm.py \
        --zoo ZOO... --rows ROWS...      # one ``zoo eval --json`` rows file per zoo
"""

from __future__ import annotations

import argparse
import json

import numpy as np
import torch
from sklearn.metrics import log_loss, roc_auc_score

from trojanscope.data import load_dataset
from trojanscope.detect.calibration import fit_calibrator
from trojanscope.detect.tree_mass import class_mass_norms
from trojanscope.io.models import load_model
from trojanscope.zoo import read_truth

KINDS = ("raw", "mean", "median", "prior", "major", "minor")
DESIGNS = {
    "mass + box + score (shipped xgboost)": ["tab_mass", "tab_box", "tab_score"],
    "mass + box + flip_1 (shipped lightgbm)": ["tab_mass", "tab_box", "tab_flip_1"],
}
for _k in KINDS[1:4]:
    DESIGNS[f"{_k} + box + score"] = [f"m_{_k}", "tab_box", "tab_score"]
    DESIGNS[f"{_k} + box + flip_1"] = [f"m_{_k}", "tab_box", "tab_flip_1"]
    DESIGNS[f"mass + {_k} + box + score"] = ["tab_mass", f"m_{_k}", "tab_box", "tab_score"]
    DESIGNS[f"mass + {_k} + box"] = ["tab_mass", f"m_{_k}", "tab_box"]
DESIGNS["major + minor + box + score"] = ["m_major", "m_minor", "tab_box", "tab_score"]
DESIGNS["major + minor + box + flip_1"] = ["m_major", "m_minor", "tab_box", "tab_flip_1"]
DESIGNS["major + minor + box"] = ["m_major", "m_minor", "tab_box"]
DESIGNS["mass + major + box + score"] = ["tab_mass", "m_major", "tab_box", "tab_score"]
DESIGNS["mass + major + mean + box + score"] = ["tab_mass", "m_major", "m_mean", "tab_box",
                                                "tab_score"]
CS = (0.1, 1.0, 10.0)


def model_rows(zoo: str, rows_file: str) -> list[dict]:
    """Each tree model of ``zoo``: its truth, row features and the candidate masses."""
    dataset, entries = read_truth(zoo)
    test = load_dataset(dataset, "test")
    x = test.get_batch(torch.arange(len(test)))[0].numpy()
    with open(rows_file) as fh:
        feats = {r["name"]: r["features"] for r in json.load(fh)["rows"]}
    out = []
    for e in entries:
        model = load_model(f"{zoo}/{e.name}").module
        if not hasattr(model, "leaf_records"):
            continue
        records = [r for r in model.leaf_records(x, 30) if r.strength > 0]
        with torch.no_grad():
            own = model(torch.as_tensor(x)).argmax(1).numpy()
        prior = np.bincount(own, minlength=test.num_classes) / len(own)
        norms = class_mass_norms([(r.cls, r.train, r.clean) for r in records], len(x),
                                 test.num_classes, prior)
        row = dict(feats[e.name])
        major = int(prior.argmax())
        norms["major"] = np.where(np.arange(test.num_classes) == major, norms["raw"], 0.0)
        norms["minor"] = np.where(np.arange(test.num_classes) == major, 0.0, norms["raw"])
        for kind in KINDS:
            row[f"m_{kind}"] = float(np.log1p(norms[kind].max()))
            row[f"arg_{kind}"] = int(norms[kind].argmax())
        out.append({"zoo": zoo, "arch": e.arch, "backdoored": bool(e.backdoored),
                    "target": e.target, "features": row})
    return out


def lofo(rows: list[dict], features: list[str], transform: str, c: float) -> np.ndarray:
    """Each zoo's rows scored by a calibrator fitted on the other zoos' rows."""
    out = np.zeros(len(rows))
    for zoo in sorted({r["zoo"] for r in rows}):
        fit = [r for r in rows if r["zoo"] != zoo]
        cal = fit_calibrator("m", [r["features"] for r in fit],
                             [int(r["backdoored"]) for r in fit], features,
                             transform=transform, c=c)
        for i, r in enumerate(rows):
            if r["zoo"] == zoo:
                out[i] = cal.probability(r["features"])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zoo", nargs="+", required=True)
    parser.add_argument("--rows", nargs="+", required=True)
    args = parser.parse_args()
    if len(args.zoo) != len(args.rows):
        raise SystemExit("error: give one --rows file per --zoo")
    rows = [r for z, f in zip(args.zoo, args.rows, strict=True) for r in model_rows(z, f)]
    print("| library | target (+ clean) | models (backdoored) | "
          + " | ".join(f"{k} AUC" for k in KINDS) + " | "
          + " | ".join(f"{k} names target" for k in KINDS) + " |")
    print("|---|---|---|" + "---|" * (2 * len(KINDS)))
    for arch in sorted({r["arch"] for r in rows}):
        for target in (None, 0, 1):
            sel = [r for r in rows if r["arch"] == arch
                   and (not r["backdoored"] or target is None or r["target"] == target)]
            y = [int(r["backdoored"]) for r in sel]
            bad = [r for r in sel if r["backdoored"]]
            aucs = [roc_auc_score(y, [r["features"][f"m_{k}"] for r in sel]) for k in KINDS]
            named = [sum(r["features"][f"arg_{k}"] == r["target"] for r in bad) for k in KINDS]
            print(f"| {arch} | {'all' if target is None else target} | {len(sel)} "
                  f"({len(bad)}) | " + " | ".join(f"{a:.3f}" for a in aucs) + " | "
                  + " | ".join(f"{n}/{len(bad)}" for n in named) + " |")
    for arch in sorted({r["arch"] for r in rows}):
        sub = [r for r in rows if r["arch"] == arch]
        y = np.array([int(r["backdoored"]) for r in sub])
        print(f"\ntree:{arch}: {len(sub)} models ({int(y.sum())} backdoored), "
              "leave-one-zoo-out")
        print("| design | transform | C | LOFO cross-entropy | LOFO ROC-AUC |")
        print("|---|---|---|---|---|")
        for name, feats in DESIGNS.items():
            best = None
            for transform in ("none", "log"):
                for c in CS:
                    p = lofo(sub, feats, transform, c)
                    ce = log_loss(y, p, labels=[0, 1])
                    if best is None or ce < best[0]:
                        best = (ce, roc_auc_score(y, p), transform, c)
            assert best is not None
            print(f"| {name} | {best[2]} | {best[3]:g} | {best[0]:.3f} | {best[1]:.3f} |",
                  flush=True)


if __name__ == "__main__":
    main()
