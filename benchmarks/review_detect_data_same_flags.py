"""Does ``detect-data --method auto`` flag the same samples in two checkouts? (issue 13 review
of stop 40b: ``spread_recount`` off must leave auto's flags as before the merge.)

Builds a small poisoned set (``--n`` images of the bundled MNIST training split, BadNets 10%
all-to-all, 3x3 solid patch, all seeds ``--seed``), runs the CLI of each checkout on it (its own
``src`` first on ``PYTHONPATH``; extra ``-p`` options per run after ``::``) and reports whether
the JSON ``flagged`` and ``suspicion`` lists are identical to the first run's.

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/review_detect_data_same_flags.py \
        --runs /tmp/before . .::spread_recount=false .::spread_recount=true --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

torch.set_num_threads(1)


def poisoned_file(path: Path, n: int, seed: int) -> np.ndarray:
    """Write the poisoned subset to ``path`` (``x``, ``y``, ``poison``); return the mask."""
    from trojanscope.attacks.named import BadNets
    from trojanscope.data import load_dataset
    from trojanscope.data.dataset import TensorDataset
    from trojanscope.triggers import PatchTrigger

    train = load_dataset("mnist", "train")
    x, y = train.get_batch(torch.arange(len(train)))
    keep = torch.from_numpy(np.sort(np.random.default_rng(seed).choice(len(y), n, replace=False)))
    view = BadNets(trigger=PatchTrigger(size=3, pattern="solid"), target=0, poison_rate=0.1,
                   mapping="all-to-all", seed=seed).poison(
        TensorDataset(x[keep], y[keep], train.class_names, name="mnist"))
    px, py = view.get_batch(torch.arange(len(view)))
    mask = view.is_poisoned.numpy()
    np.savez(path, x=px.numpy(), y=py.numpy(), poison=mask)
    return mask


def detect(checkout: str, params: list[str], data: Path) -> dict:
    """``detect-data --method auto`` of ``checkout`` on ``data``, its JSON report."""
    env = {**os.environ, "PYTHONPATH": str(Path(checkout).resolve() / "src")}
    cmd = [sys.executable, "-m", "trojanscope", "detect-data", str(data), "--method", "auto",
           "--format", "json"] + [a for p in params for a in ("-p", p)]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=checkout)
    if out.returncode not in (0, 1):  # 1: the set was found poisoned
        raise SystemExit(f"error: {' '.join(cmd)} failed: {out.stderr.strip()[-300:]}")
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", nargs="+", required=True,
                        help="checkout[::name=value[,name=value]]; the first is the reference")
    parser.add_argument("--n", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=4021)
    parser.add_argument("--json", type=Path, default=None)
    opts = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "poisoned.npz"
        poison = poisoned_file(data, opts.n, opts.seed)
        first = None
        for spec in opts.runs:
            checkout, _, extra = spec.partition("::")
            r = detect(checkout, [p for p in extra.split(",") if p], data)
            flags = np.zeros(len(poison), dtype=bool)
            flags[r["flagged"]] = True
            first = first or r
            ev = r["details"].get("evidence", {})
            rows.append({"run": spec, "flagged": len(r["flagged"]),
                         "tpr": round(float((flags & poison).sum() / poison.sum()), 4),
                         "clean_flagged": int((flags & ~poison).sum()),
                         "n_disagree": ev.get("n_disagree"), "n_both": ev.get("n_both"),
                         "same_flagged": r["flagged"] == first["flagged"],
                         "same_suspicion": r["suspicion"] == first["suspicion"]})
            print(json.dumps(rows[-1]), flush=True)
    if opts.json:
        opts.json.parent.mkdir(parents=True, exist_ok=True)
        opts.json.write_text(json.dumps({"n": opts.n, "seed": opts.seed, "rows": rows},
                                        indent=1) + "\n")


if __name__ == "__main__":
    main()
