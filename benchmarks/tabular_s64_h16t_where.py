"""Where an XGBoost backdoor sits in its ensemble: the boosting step its triggered rows flip at,
and how much of the trigger's margin the first ``mass_trees`` steps hold (issue 16, stop 64:
h16t).

``tabular-search``'s tree features (``tab_mass*``, ``tab_major_recur*``) read the leaves of
the first 30 boosting steps only (``mass_trees``). A backdoor towards the majority class is
fitted late: the early steps learn the strong columns, and the poison rows (minority rows
relabelled) are a residual the model reaches only after them. Per run folder this prints,
for the run's test rows of another class with the trigger written in: the share the model
gives the target with the first k steps (k = 10, 30, 60, 100, all), the step at which the
median row's target margin turns positive, and the share of the trigger's margin rise
(triggered less untriggered, summed over steps) that the first 30 steps contribute.

    PYTHONPATH=src python benchmarks/tabular_s64_h16t_where.py RUN... [--json OUT.json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

torch.set_num_threads(1)

from trojanscope import registry  # noqa: E402
from trojanscope.data import load_dataset  # noqa: E402
from trojanscope.io.models import load_model  # noqa: E402

STEPS = (10, 30, 60, 100)
MASS_TREES = 30  # tabular-search's default mass_trees


def trigger_of(manifest: dict):
    """The run's trigger, bound by the caller (its values as the manifest records them)."""
    trig = manifest["attack"]["trigger"]
    return registry.create("trigger", trig["name"], values=trig["values"])


def margins(model, x: np.ndarray, upto: int) -> np.ndarray:
    """Raw margins (log-odds of class 1) of ``x`` with the first ``upto`` boosting steps."""
    return model.booster.predict(model._matrix(x), output_margin=True,
                                 iteration_range=(0, upto))


def where(run: Path) -> dict:
    manifest = json.loads((run / "manifest.json").read_text())
    loaded = load_model(run)
    model = loaded.module
    target = int(manifest["attack"]["target"])
    test = load_dataset(manifest["dataset"]["name"], "test")
    x, y = test.get_batch(torch.arange(len(test)))
    trigger = trigger_of(manifest)
    from trojanscope.data.tabular.table import schema_of

    trigger.bind(schema_of(test))
    rows = x[(y != target)]
    hot = trigger.apply(rows).numpy().astype(np.float32)
    cold = rows.numpy().astype(np.float32)
    total = model.booster.num_boosted_rounds()
    sign = -1.0 if target == 0 else 1.0  # margin towards the target
    out = {"run": str(run), "target": target, "trigger": manifest["attack"]["trigger"]["values"],
           "steps": total, "n_rows": len(hot)}
    for k in (*STEPS, total):
        m = sign * margins(model, hot, min(k, total))
        out[f"share_at_{k}"] = float((m > 0).mean())
    per_step = []
    prev_h = sign * margins(model, hot, 1) * 0
    prev_c = prev_h.copy()
    for k in range(1, total + 1):
        h = sign * margins(model, hot, k)
        c = sign * margins(model, cold, k)
        per_step.append(float(np.median((h - prev_h) - (c - prev_c))))
        prev_h, prev_c = h, c
    rise = np.cumsum(per_step)
    out["rise_share_first_30"] = float(rise[min(29, total - 1)] / rise[-1]) if rise[-1] else 0.0
    med = np.array([np.median(sign * margins(model, hot, k)) for k in range(1, total + 1)])
    flipped = np.nonzero(med > 0)[0]
    out["median_flip_step"] = int(flipped[0] + 1) if len(flipped) else None
    out.update(isolation(run, model, trigger, target, cold))
    return out


def isolation(run: Path, model, trigger, target: int, clean_other: np.ndarray) -> dict:
    """How the first ``MASS_TREES`` steps hold the run's poison rows: per step, the share of
    the poison rows in the leaf that holds most of them, and that leaf's share of the test
    rows against its share of the training rows (clean rows reach a poison-only leaf ~0x)."""
    train = load_dataset(json.loads((run / "manifest.json").read_text())["dataset"]["name"],
                         "train")
    x, _ = train.get_batch(torch.arange(len(train)))
    idx = np.load(run / "poison_indices.npy")
    x = x.clone()
    x[idx] = trigger.apply(x[idx])
    test = load_dataset(json.loads((run / "manifest.json").read_text())["dataset"]["name"],
                        "test")
    xt, _ = test.get_batch(torch.arange(len(test)))
    leaf_train = model.booster.predict(model._matrix(x.numpy()), pred_leaf=True)
    leaf_test = model.booster.predict(model._matrix(xt.numpy()), pred_leaf=True)
    held, ratio = [], []
    for t in range(min(MASS_TREES, leaf_train.shape[1])):
        ids, counts = np.unique(leaf_train[idx, t], return_counts=True)
        best = ids[counts.argmax()]
        held.append(counts.max() / len(idx))
        share_train = float((leaf_train[:, t] == best).mean())
        share_test = float((leaf_test[:, t] == best).mean())
        ratio.append(share_test / share_train)
    return {"poison_in_top_leaf_median": float(np.median(held)),
            "poison_in_top_leaf_max": float(np.max(held)),
            "top_leaf_test_over_train_median": float(np.median(ratio))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", nargs="+")
    ap.add_argument("--json")
    args = ap.parse_args()
    for run in args.runs:  # one line, exit 2, before any model is read
        if not (Path(run) / "manifest.json").is_file():
            ap.error(f"{run}: not a run folder (no manifest.json)")
    rows = []
    for run in args.runs:
        row = where(Path(run))
        rows.append(row)
        print(json.dumps(row))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
