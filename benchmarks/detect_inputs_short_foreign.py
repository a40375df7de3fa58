"""Why the default input detector misses triggered inputs on a few foreign models (issue 14,
stop 34): per model, which of the detector's columns (each layer's distance, each consistency
transform, the edge column) separates the triggered inputs on which the backdoor fires from
held-out clean ones, whether each transform wipes the trigger out (the share of those inputs
still classified as the target after it), and where the default's misses lie. Measurement only.

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/detect_inputs_short_foreign.py \\
        ZOO/NAME [ZOO/NAME ...] --out OUT.json

Protocol as ``evaluate_triggered`` (the MNIST test split halved by ``--seed``'s generator; the
detector fitted on one half, scored on the other and its triggered copies). The detector is
today's (``edges=true``, cap 6) with every transform of the menu computed, so each column can be
read alone; the default's score is the same columns fused with ``auto``'s kept transforms only.
Per column: ROC-AUC and TPR at 1% FPR (threshold from the held-out clean scores), over all
positives and over the positives the default misses at its 1% threshold.

``isolated`` is a candidate input-only column looked at here, **not** in the detector: the
share of bright pixels (> 0.5 of the clean range) none of whose four neighbours is bright — a
one-pixel-wide diagonal (the crossed patch) or a scattered pixel is 4-isolated, a digit's
stroke (2-3 pixels wide) rarely is. Read alone against the held-out clean inputs, and as one more
column of the default's score (tail-scaled on the fit half and capped like the edge column): a
development figure for a next session, not a decision. The default's score is also read with
its layers only and without the edge column.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch
from torch import Tensor

from trojanscope.data import load_dataset
from trojanscope.detect.input_level import consistency
from trojanscope.detect.input_level.base import threshold_at_fpr
from trojanscope.detect.input_level.evaluate import roc_auc
from trojanscope.detect.input_level.mahalanobis import Mahalanobis
from trojanscope.io.atomic import write_text_atomic
from trojanscope.io.models import load_model

sys.path.insert(0, str(Path(__file__).parent))

FPR = 0.01


def isolated_share(x: Tensor, low: float, span: float) -> Tensor:
    """Per input: the share of bright pixels with no bright 4-neighbour (see the docstring)."""
    bright = (x - low) / span > 0.5
    pad = torch.nn.functional.pad(bright.float(), (1, 1, 1, 1))
    neigh = pad[..., :-2, 1:-1] + pad[..., 2:, 1:-1] + pad[..., 1:-1, :-2] + pad[..., 1:-1, 2:]
    lone = (bright & (neigh == 0)).flatten(1).sum(1).double()
    return lone / (bright.flatten(1).sum(1).double() + 1.0)


def column_names(det: Mahalanobis) -> list[str]:
    """The names of ``det._raw``'s columns, in order."""
    names = ["input:relative"]
    for layer in [*det.layers_, "logits"]:
        names += [f"{layer}:absolute", f"{layer}:relative"]
    return names + [f"transform:{t}" for t in det.transforms_] + ["edges"]


def separation(neg: Tensor, pos: Tensor) -> dict[str, float]:
    return {
        "roc_auc": roc_auc(neg, pos) if len(pos) else float("nan"),
        "tpr": float((pos > threshold_at_fpr(neg, FPR)).float().mean())
        if len(pos)
        else float("nan"),
    }


def load_foreign(spec: Path) -> tuple[dict, torch.nn.Module, object]:
    """The foreign model ``ZOO/NAME``: its row of the zoo's ``truth.json``, the model (eval
    mode) and its trigger as the benchmark applies it."""
    from bench_detect_inputs_foreign import ForeignTrigger

    truth = json.loads((spec.parent / "truth.json").read_text())["models"]
    meta = next(m for m in truth if m["name"] == spec.name)
    model = load_model(spec.parent / f"{spec.name}.pt").module.eval()
    return meta, model, ForeignTrigger(meta["trigger"], meta["target"])


def diagnose(spec: Path, seed: int) -> dict:
    """Every figure of the module's docstring for the foreign model ``ZOO/NAME``."""
    meta, model, attack = load_foreign(spec)
    clean = load_dataset("mnist", "test")
    gen = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(clean), generator=gen)
    half = len(clean) // 2
    guard_x, held = clean.x[order[:half]], clean.subset(order[half:])
    trig_x, true_y, _ = attack.test_inputs(held)
    menu = consistency.AUTO_MENU
    with torch.no_grad():
        fires = model(trig_x).argmax(1) == meta["target"]
        det = Mahalanobis(transforms=menu, edges=True)
        det.fit(model, guard_x, generator=gen)
        neg, pos = det._raw(held.x).float(), det._raw(trig_x[fires]).float()
        pred = model(guard_x).argmax(1)
        agree = {
            t: float((model(consistency.TRANSFORMS[t](guard_x)).argmax(1) == pred).float().mean())
            for t in menu
        }
        survive = {
            t: float(
                (model(consistency.TRANSFORMS[t](trig_x[fires])).argmax(1) == meta["target"])
                .float()
                .mean()
            )
            for t in menu
        }
    names = column_names(det)
    n_layer = len(names) - len(menu) - 1
    kept = consistency.choose_transforms(det.view_, guard_x, model(guard_x), menu)
    use = list(range(n_layer)) + [n_layer + menu.index(t) for t in kept] + [len(names) - 1]
    default_neg, default_pos = (z[:, use].clamp_min(0).square().sum(1) for z in (neg, pos))
    missed = default_pos <= threshold_at_fpr(default_neg, FPR)
    variants = {  # the default's score with fewer columns (same standardisation)
        "layers only": list(range(n_layer)),
        "without the edge column": use[:-1],
    }
    fused_variants = {
        k: separation(*(z[:, idx].clamp_min(0).square().sum(1) for z in (neg, pos)))
        for k, idx in variants.items()
    }
    low, span = float(guard_x.amin()), float(guard_x.amax() - guard_x.amin())
    iso_neg, iso_pos = (isolated_share(x, low, span) for x in (held.x, trig_x[fires]))
    # the candidate as one more column of the default: tail-scaled on the fit half, capped
    centre, spread = consistency.tail_scale(isolated_share(guard_x, low, span)[:, None])

    def with_isolated(fused: Tensor, iso: Tensor) -> Tensor:
        z = det.cap * torch.tanh((iso - centre[0]) / spread[0] / det.cap)
        return fused + z.clamp_min(0).square()

    fused_variants["with the candidate column"] = separation(
        with_isolated(default_neg, iso_neg), with_isolated(default_pos, iso_pos)
    )
    cols = {}
    for i, name in enumerate(names):
        cols[name] = {
            **separation(neg[:, i], pos[:, i]),
            "tpr_on_missed": separation(neg[:, i], pos[missed, i])["tpr"],
        }
    cols["candidate:isolated"] = {
        **separation(iso_neg, iso_pos),
        "tpr_on_missed": separation(iso_neg, iso_pos[missed])["tpr"],
    }
    missed_y = true_y[fires][missed]
    return {
        "model": f"{spec.parent.name}/{spec.name}",
        "arch": meta["arch_family"],
        "details": meta.get("details"),
        "trigger": meta["trigger"],
        "target": meta["target"],
        "positives": int(fires.sum()),
        "triggered": len(trig_x),
        "kept_transforms": list(kept),
        "default": separation(default_neg, default_pos),
        "default_variants": fused_variants,
        "missed": int(missed.sum()),
        "missed_by_true_class": {int(c): int((missed_y == c).sum()) for c in missed_y.unique()},
        "clean_agreement": agree,
        "trigger_survives": survive,
        "columns": cols,
    }


def table(rows: list[dict]) -> str:
    out = []
    for r in rows:
        best = sorted(r["columns"].items(), key=lambda kv: -kv[1]["roc_auc"])[:4]
        out.append(
            f"| {r['model']} ({r['arch']}, {r['trigger']['family']}) | {r['positives']} | "
            f"{r['default']['roc_auc']:.4f} / {r['default']['tpr']:.3f} ({r['missed']} missed) | "
            + "; ".join(
                f"{k} {v['roc_auc']:.4f} / {v['tpr']:.3f}" for k, v in r["default_variants"].items()
            )
            + " | "
            + "; ".join(
                f"{k} {v['roc_auc']:.3f} / {v['tpr']:.3f} / {v['tpr_on_missed']:.2f}"
                for k, v in best
            )
            + " | "
            + ", ".join(
                f"{t} {r['clean_agreement'][t]:.2f}→{r['trigger_survives'][t]:.2f}"
                for t in r["clean_agreement"]
            )
            + " |"
        )
    head = (
        "| model | positives | default: ROC-AUC / TPR | variants of the default | best columns: "
        "ROC-AUC / TPR / TPR on the default's misses | transform: clean agreement → trigger "
        "survives |\n|---|---:|---|---|---|---|\n"
    )
    return head + "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", type=Path, nargs="+", help="ZOO/NAME of foreign models")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)
    rows = []
    for spec in args.models:
        rows.append(diagnose(spec, args.seed))
        print(f"done {spec}", file=sys.stderr, flush=True)
    write_text_atomic(args.out, json.dumps(rows, indent=2) + "\n")
    print(table(rows))


if __name__ == "__main__":
    main()
