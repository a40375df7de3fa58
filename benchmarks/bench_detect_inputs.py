"""Input-level detection: every method side by side, and IBM ART's STRIP, on held-out
backdoored MNIST models of every trigger family.

    OMP_NUM_THREADS=1 PYTHONPATH=src /tmp/venv-art/bin/python benchmarks/bench_detect_inputs.py \\
        RUNS --make --out OUT.json

``--make`` trains the missing models of the population first with ``trojanscope attack`` (each
family with seeds 11-42, targets 3, 7, 1, 9, 4, 6, 2, 8, 3, 6, 1, 4, 7, 9, 3, 6, 8, 2, 5, 0, 7, 4,
8, 1, 6, 3, 9, 5, 0, 2, 7, 1:
not the tuning seeds (seed 11 served as a design set for `auto`'s transform choice, seeds 11-18 for
the fourth round's cap, 11-20 for the fifth round's look at response columns, 11-24 for the sixth
round's ``rotbin``, 11-28 for the seventh round's ``top``: docs/benchmarks.md; 29-32 were the
seventh round's fresh seeds, 33-36 the confirmation run's, 37-42 stop 32's, where 39-42 are
WaNet alone at a lower ``--poison-rate``: ``make_runs``'s ``poison_rate``; 43-51 stop 33's
and stop 34's fresh seeds, 52-54 stop 35's, 55-57 stop 36's, 58-60 stop 37's, listed in
``SEEDS``);
``--seeds`` and ``--families`` pick some; ``--methods`` takes ``name`` or
``name:param=value``). For every model, the MNIST test split (1,000 images) is halved at
random: one half fits each method's guard (``fit_guard``: cross-fitted on all of it, threshold
at 1% FPR), the other half gives the clean
negatives and, with the run's trigger stamped on those not of the target class, the positives
(those on which the backdoor fires). ART's STRIP gets the same halves (its ``mitigate`` on the
guard half). Without ART installed, its rows are skipped. Prints markdown tables; writes JSON.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from cli_json import run_cli
from trojanscope import registry
from trojanscope.data import load_dataset
from trojanscope.detect.input_level.evaluate import (
    evaluate_triggered,
    roc_auc,
    tpr_at_fpr,
    triggered_split,
)
from trojanscope.io.atomic import write_text_atomic
from trojanscope.io.models import load_model
from trojanscope.mitigate.triggers import attack_from_spec
from trojanscope.params import parse_assignments

FAMILIES = ("badnets", "blended", "sparse", "sig", "wanet")
# seed -> target (13-16: second round; 17-18: third; 19-20: fourth; 21-24: fifth; 25-28: sixth;
# 29-32: seventh; 33-36: the confirmation run; 37-42: stop 32's, 39-42 WaNet only, weak warps;
# 43-45: stop 33's, 44-45 WaNet only, weak warps; 46-48: stop 33's edges=true check, 47-48
# WaNet only, weak warps; 49-51: stop 34's check of the served guard's edge column, 50-51 WaNet
# only, weak warps; 52-54: stop 34b's rule for the isolated column, not yet trained)
SEEDS = {11: 3, 12: 7, 13: 1, 14: 9, 15: 4, 16: 6, 17: 2, 18: 8, 19: 3, 20: 6,
         21: 1, 22: 4, 23: 7, 24: 9, 25: 3, 26: 6, 27: 8, 28: 2, 29: 5, 30: 0, 31: 7, 32: 4,
         33: 8, 34: 1, 35: 6, 36: 3, 37: 9, 38: 5, 39: 0, 40: 2, 41: 7, 42: 1,
         43: 6, 44: 3, 45: 8, 46: 4, 47: 0, 48: 5, 49: 7, 50: 2, 51: 9,
         52: 3, 53: 6, 54: 1, 55: 5, 56: 8, 57: 2, 58: 0, 59: 9, 60: 4,
         61: 7, 62: 3, 63: 6, 64: 8, 65: 0, 66: 5, 67: 2, 68: 9, 69: 4,
         70: 6, 71: 1, 72: 7, 73: 3, 74: 8, 75: 0, 76: 5, 77: 2,
         78: 4, 79: 9, 80: 1, 81: 7, 82: 3, 83: 6, 84: 0, 85: 8}
METHODS = [("mahalanobis", {}), ("mahalanobis", {"combine": "mean"}), ("ensemble", {}),
           ("ibd-psc", {}), ("strip", {}), ("strip", {"n_overlays": 5}), ("scale-up", {}),
           ("teco", {})]
FORMATS = {"onnx": "model.onnx", "torchscript": "model.torchscript.pt"}


def make_runs(root: Path, seeds: list[int], families: list[str],
              poison_rate: float | None = None) -> list[Path]:
    """Train the missing ``FAMILY-sSEED`` runs under ``root`` (``poison_rate``: the attack's
    own ``--poison-rate`` instead of its default, e.g. for weak warps)."""
    runs = []
    rate = [] if poison_rate is None else ["--poison-rate", str(poison_rate)]
    for seed in seeds:
        target = SEEDS[seed]
        for family in families:
            out = root / f"{family}-s{seed}"
            if not (out / "manifest.json").is_file():
                run_cli(["attack", "--attack", family, "--seed", str(seed), "--target",
                         str(target), "--out", str(out), "--force", *rate])
            runs.append(out)
    return runs


def art_strip(model: torch.nn.Module, guard_x: torch.Tensor, neg_x: torch.Tensor,
              trig_x: torch.Tensor, fires: torch.Tensor, fpr: float, seed: int) -> dict | None:
    """ART 1.20's STRIP (20 overlays, its own threshold at ``fpr``); its per-input statistic is
    recorded from the predictions it asks for, to give a ROC-AUC as well as its flags."""
    try:
        from art.defences.transformer.poisoning import STRIP
        from art.estimators.classification import PyTorchClassifier
    except ImportError:
        return None
    from scipy.stats import entropy

    probs = torch.nn.Sequential(model, torch.nn.Softmax(dim=1)).eval()
    clf = PyTorchClassifier(probs, loss=torch.nn.CrossEntropyLoss(), input_shape=tuple(
        guard_x.shape[1:]), nb_classes=10, clip_values=(0.0, 1.0))
    defended = STRIP(clf)(num_samples=20, false_acceptance_rate=fpr)
    original = defended.predict_fn
    calls: list[np.ndarray] = []

    def recording(x: np.ndarray, **kw) -> np.ndarray:
        out = original(x, **kw)
        calls.append(out)
        return out

    defended.predict_fn = recording
    np.random.seed(seed)
    start = time.perf_counter()
    defended.mitigate(guard_x.numpy())
    fit_s = time.perf_counter() - start
    result = {}
    start = time.perf_counter()
    for name, x in (("neg", neg_x), ("pos", trig_x)):
        calls.clear()
        pred = defended.predict(x.numpy())
        stats = [np.sum(entropy(p, base=2, axis=0)) / 20.0 for p in calls[1:]]
        result[name] = (-torch.tensor(stats), torch.from_numpy(~pred.any(axis=1)))
    per_input = (time.perf_counter() - start) / (len(neg_x) + len(trig_x))
    (neg, neg_flag), (pos, pos_flag) = result["neg"], result["pos"]
    fired = pos[fires]
    return {"method": "ART strip", "roc_auc": roc_auc(neg, fired),
            "tpr_at_fpr": tpr_at_fpr(neg, fired, fpr), "fpr": fpr,
            "guard_tpr": float(pos_flag[fires].float().mean()),
            "guard_fpr": float(neg_flag.float().mean()), "roc_auc_all": roc_auc(neg, pos),
            "positives": int(fires.sum()), "triggered": len(trig_x), "negatives": len(neg_x),
            "forward_passes_per_input": 20, "fit_s": fit_s, "score_s_per_input": per_input}


def parse_method(spec: str) -> tuple[str, dict]:
    """``name`` or ``name:param=value[:param=value]`` -> (name, params)."""
    name, *params = spec.strip().split(":")
    return name, parse_assignments(params, "method parameter")


def label(name: str, params: dict, fmt: str = "") -> str:
    extra = ",".join(f"{k}={v}" for k, v in params.items())
    return name + (f"({extra})" if extra else "") + (f" [{fmt}]" if fmt else "")


def bench_model(run: Path, test, fpr: float, seed: int, art: bool,
                methods: list[tuple[str, dict]], formats: bool = True) -> list[dict]:
    loaded = load_model(run)
    attack = attack_from_spec(loaded.manifest.attack)
    rows = []
    for name, params in methods:
        det = registry.create("input-detector", name, **params)
        ev = evaluate_triggered(loaded.module, det, test, attack, fpr=fpr, seed=seed).as_dict()
        rows.append({**ev, "method": label(name, params)})
    for fmt, file in FORMATS.items() if formats else ():  # the default on the exported files
        module = load_model(run / file).module
        det = registry.create("input-detector", "mahalanobis")
        ev = evaluate_triggered(module, det, test, attack, fpr=fpr, seed=seed).as_dict()
        rows.append({**ev, "method": label("mahalanobis", {}, fmt)})
    if art:
        with torch.no_grad():
            guard_x, neg_x, trig_x, fires = triggered_split(
                loaded.module, test, attack, torch.Generator().manual_seed(seed))
        row = art_strip(loaded.module, guard_x, neg_x, trig_x, fires, fpr, seed)
        if row is not None:
            rows.append(row)
    for r in rows:
        r["model"] = run.name
    return rows


def summary(rows: list[dict]) -> list[dict]:
    out = []
    for method in dict.fromkeys(r["method"] for r in rows):
        mine = [r for r in rows if r["method"] == method]
        worst_auc = min(mine, key=lambda r: r["roc_auc"])
        worst_tpr = min(mine, key=lambda r: r["tpr_at_fpr"])
        out.append({"method": method, "models": len(mine),
                    "mean_roc_auc": float(np.mean([r["roc_auc"] for r in mine])),
                    "worst_roc_auc": worst_auc["roc_auc"], "worst_auc_model": worst_auc["model"],
                    "mean_tpr": float(np.mean([r["tpr_at_fpr"] for r in mine])),
                    "worst_tpr": worst_tpr["tpr_at_fpr"], "worst_tpr_model": worst_tpr["model"],
                    "mean_guard_fpr": float(np.mean([r["guard_fpr"] for r in mine])),
                    "forward_passes": mine[0]["forward_passes_per_input"],
                    "ms_per_input": 1e3 * float(np.mean([r["score_s_per_input"] for r in mine]))})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", type=Path, help="folder of the population's run folders")
    ap.add_argument("--make", action="store_true", help="train the missing models first")
    ap.add_argument("--seeds", default="11,12", help="population seeds (11-18)")
    ap.add_argument("--families", default=",".join(FAMILIES),
                    help="trigger families of the population (default: all five)")
    ap.add_argument("--fpr", type=float, default=0.01)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-art", action="store_true")
    ap.add_argument("--default-only", action="store_true",
                    help="only the default method (native, ONNX, TorchScript); no ART")
    ap.add_argument("--methods", default=None,
                    help="comma-separated input detectors (name or name:param=value) to run "
                    "instead of the usual set")
    ap.add_argument("--no-formats", action="store_true",
                    help="skip the default method on the ONNX and TorchScript files")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)
    seeds = [int(s) for s in args.seeds.split(",")]
    families = args.families.split(",")
    runs = make_runs(args.runs, seeds, families) if args.make else [
        args.runs / f"{f}-s{s}" for s in seeds for f in families]
    test = load_dataset("mnist", "test")
    rows = []
    for run in runs:
        methods = METHODS[:1] if args.default_only else METHODS
        if args.methods:
            methods = [parse_method(spec) for spec in args.methods.split(",")]
        art = not (args.no_art or args.default_only)
        rows += bench_model(run, test, args.fpr, args.seed, art, methods, not args.no_formats)
        print(f"done {run.name}", flush=True)
    result = {"fpr": args.fpr, "seed": args.seed, "rows": rows, "summary": summary(rows)}
    write_text_atomic(args.out, json.dumps(result, indent=2) + "\n")
    print("| method | passes/input | ROC-AUC mean | ROC-AUC worst (model) | TPR@FPR mean | "
          "TPR@FPR worst (model) | guard FPR mean | ms/input |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for s in result["summary"]:
        print(f"| {s['method']} | {s['forward_passes']} | {s['mean_roc_auc']:.4f} | "
              f"{s['worst_roc_auc']:.4f} ({s['worst_auc_model']}) | {s['mean_tpr']:.3f} | "
              f"{s['worst_tpr']:.3f} ({s['worst_tpr_model']}) | {s['mean_guard_fpr']:.3f} | "
              f"{s['ms_per_input']:.2f} |")
    print("\n| model | method | ROC-AUC | TPR@FPR | guard TPR | guard FPR | positives |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['model']} | {r['method']} | {r['roc_auc']:.4f} | {r['tpr_at_fpr']:.3f} | "
              f"{r['guard_tpr']:.3f} | {r['guard_fpr']:.3f} | {r['positives']}/{r['triggered']} |")


if __name__ == "__main__":
    main()
