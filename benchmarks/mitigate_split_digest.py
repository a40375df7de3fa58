"""SHA-256 digests of `gated`'s purified weights and figures, to prove a refactor changes nothing.

Issue 12, stop 50 (h12s): ``gated.py`` was split into small modules, behaviour-preserving. This
script builds a few tiny MNIST models with the project's own zoo builder (``make_zoo``, one
model per zoo, 1 epoch), runs ``mitigate`` with `gated`'s default and option combinations that
take its different code paths (projection kept or undone, ``guard_trips``, ``project_repair``,
``hand_projected``, ``projected_undo``, ``margin``, ``dense_repair``, ``residue``, a model the
detector hands back...), and writes, per (model, setting), the SHA-256 of the purified
weights (every state-dict tensor's bytes in key order) and of the JSON figures (before/after
CA and ASR, and the method's report with its timings left out). Run it on the code before the
split and after: every digest must be the same (``--compare``).

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/mitigate_split_digest.py build ZOOS
    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/mitigate_split_digest.py run ZOOS \\
        --out DIGESTS.json [--compare BEFORE.json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch

from trojanscope import registry
from trojanscope.data.resolve import load_dataset
from trojanscope.io.atomic import write_text_atomic
from trojanscope.io.models import load_model
from trojanscope.mitigate.run import attack_triggered, mitigate
from trojanscope.mitigate.triggers import attack_from_spec
from trojanscope.zoo import make_zoo

# (zoo name, attack or None for a clean model, architecture, zoo seed): dev seeds of this stop
MODELS = [("badnets-cnn", "badnets", "cnn", 5001), ("sig-mlp", "sig", "mlp", 5002),
          ("clean-cnn", None, "cnn", 5003), ("badnets-mlp", "badnets", "mlp", 5004)]
# A CNN's run takes minutes on this shared machine (the dense options and the projection do
# not apply to it): the default and a hand-back only; every setting on the MLPs
CNN_SETTINGS = ("default", "gate_high")
# `gated`'s settings: the default and the paths the split moved into their own modules
SETTINGS: dict[str, dict[str, Any]] = {
    "default": {},
    "project_kept0": {"project_kept": 0},                      # the projection always kept
    "no_projection": {"dense_project": 0},
    "guard_trips4": {"guard_trips": 4},
    "project_repair": {"project_kept": 0, "project_repair": 2},
    "hand_projected": {"project_kept": 0, "hand_projected": 0.3},
    "projected_undo": {"project_kept": 0, "hand_projected": 0.3, "projected_undo": True},
    "margin": {"margin": 1, "margin_held": True},
    "dense_repair_residue": {"dense_repair": 1, "residue": 0.05, "dense_candidates": True,
                             "warp_candidates": True},
    "force_hold": {"force": True, "hold": True, "guard_hold": 0.2, "dense_stop": 0.1},
    "sure_first": {"sure": 0.5, "project_first": True, "kept_p": 0.5, "revert_stripe": 0.3,
                   "dense_check": False, "dense_reach": True, "stripe_top": 1},
    "gate_high": {"gate": 0.999, "stripe_gate": 0},           # handed back as it came
}
CLEAN_N = 500  # a seeded draw of the test images: 200 for the method (holdout 0.6), 300 held out
HOLDOUT = 0.6
TIMINGS = ("detect_s", "unlearn_s", "seconds")


def build(zoos: Path, epochs: int) -> None:
    """One tiny zoo per model (resumable: a finished model is kept)."""
    for name, attack, arch, seed in MODELS:
        start = time.perf_counter()
        make_zoo("mnist", zoos / name, n_clean=0 if attack else 1, n_backdoored=1 if attack else 0,
                 seed=seed, epochs=epochs, attacks=[attack] if attack else None, archs=[arch])
        print(f"{name}: {time.perf_counter() - start:.1f} s", flush=True)


def untimed(value: Any) -> Any:
    """``value`` with every timing left out (the figures that differ from run to run)."""
    if isinstance(value, dict):
        return {str(k): untimed(v) for k, v in value.items() if k not in TIMINGS}
    if isinstance(value, (list, tuple)):
        return [untimed(v) for v in value]
    if isinstance(value, (int, float, str, bool)) or value is None:
        return value
    return repr(value)


def weights_digest(model: torch.nn.Module) -> str:
    """SHA-256 over every state-dict tensor (name, dtype, shape and bytes), in key order."""
    h = hashlib.sha256()
    for key, tensor in model.state_dict().items():
        t = tensor.detach().cpu().contiguous()
        h.update(f"{key}|{t.dtype}|{tuple(t.shape)}|".encode())
        h.update(t.numpy().tobytes())
    return h.hexdigest()


def one(zoo: Path, clean, setting: dict[str, Any]) -> dict[str, Any]:
    """Purify the zoo's one model with `gated` under ``setting``; digests and figures."""
    entry = json.loads((zoo / "truth.json").read_text())["models"][0]
    loaded = load_model(zoo / entry["name"])
    spec = loaded.manifest.attack if loaded.manifest is not None else None
    trigger_of = attack_triggered(attack_from_spec(spec)) if spec is not None else None
    method = registry.create("mitigation", "gated", **setting)
    start = time.perf_counter()
    result = mitigate(loaded.module, method, clean, holdout=HOLDOUT, seed=0,
                      trigger_of=trigger_of, input_shape=loaded.input_shape,
                      num_classes=loaded.num_classes)
    figures = {"before": result.before, "after": result.after,
               "params": untimed(result.params), "report": untimed(method.report_)}
    text = json.dumps(figures, sort_keys=True)
    return {"weights": weights_digest(result.model),
            "figures": hashlib.sha256(text.encode()).hexdigest(),
            "action": str(method.report_.get("action", ""))[:80],
            "asr": [result.before.get("asr"), result.after.get("asr")],
            "ca": [result.before["ca"], result.after["ca"]],
            "seconds": round(time.perf_counter() - start, 1)}


def run(zoos: Path, out: Path, only: list[str], models: list[str]) -> dict[str, Any]:
    """Every (model, setting) pair (``only``/``models``: those settings/models); written as it
    goes."""
    clean = load_dataset("mnist", "test")
    pick = torch.randperm(len(clean), generator=torch.Generator().manual_seed(0))[:CLEAN_N]
    clean = replace(clean, x=clean.x[pick], y=clean.y[pick])
    rows: dict[str, Any] = {}
    for name, _, arch, _ in MODELS:
        if models and name not in models:
            continue
        for label, setting in SETTINGS.items():
            if (only and label not in only) or (arch == "cnn" and label not in CNN_SETTINGS):
                continue
            rows[f"{name}/{label}"] = row = one(zoos / name, clean, setting)
            print(f"{name}/{label}: {row['weights'][:12]} {row['figures'][:12]} "
                  f"{row['seconds']} s  {row['action']}", flush=True)
            write_text_atomic(out, json.dumps(rows, indent=1, sort_keys=True) + "\n")
    return rows


def compare(now: dict[str, Any], before: dict[str, Any]) -> int:
    """How many pairs are identical in both digests (printed per pair)."""
    same = 0
    for key in sorted(before):
        a, b = before[key], now.get(key)
        ok = b is not None and a["weights"] == b["weights"] and a["figures"] == b["figures"]
        same += ok
        print(f"{'identical' if ok else 'DIFFERENT'}  {key}")
    print(f"{same} of {len(before)} identical")
    return same


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", choices=("build", "run"))
    ap.add_argument("zoos", type=Path)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--compare", type=Path)
    ap.add_argument("--only", default="", help="comma-separated setting labels (default: all)")
    ap.add_argument("--models", default="", help="comma-separated zoo names (default: all)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    if args.what == "build":
        build(args.zoos, args.epochs)
        return
    if args.out is None:
        sys.exit("run needs --out")
    rows = run(args.zoos, args.out, [s for s in args.only.split(",") if s],
               [m for m in args.models.split(",") if m])
    if args.compare is not None:
        before = json.loads(args.compare.read_text())
        sys.exit(0 if compare(rows, before) == len(before) else 1)


if __name__ == "__main__":
    main()
