"""Development tool for the Mahalanobis detector's fusion (issue 14, seventh round): cache every
column of a model once, then compare fusion rules offline on the cache.

    # our own red-team runs (folders made by bench_detect_inputs.py's make_runs):
    PYTHONPATH=src python benchmarks/detect_inputs_columns.py cache CACHE --runs RUN...
    # foreign zoos (foreign_zoo.py): ZOO/NAME
    PYTHONPATH=src python benchmarks/detect_inputs_columns.py cache CACHE --foreign ZOO/NAME...
    PYTHONPATH=src python benchmarks/detect_inputs_columns.py compare CACHE/*.pt

``cache`` follows ``evaluate_triggered`` step by step (same split, same generator draws, the
guard's five cross-fitting copies, then the detector fitted on the whole guard half), with the
consistency columns uncapped and every transform of the menu plus a few candidates computed,
so the layers' and each transform's standardised columns are stored for the calibration
(cross-fitted), held-out clean and triggered inputs. ``compare`` fuses them as the detector does
(``cap``, ``sumsq``), with ``auto``'s per-model choice of transforms, under each rule: ``top=0``
(every column), ``top=2`` and ``top=1``; ROC-AUC, TPR at 1% FPR and the guard's realised FPR per
model. The figures match ``bench_detect_inputs.py`` for ``top=0`` (the same protocol) with
``edges=false``: the cache does not hold stop 33's edge column, which today's ``auto`` adds on a
model that leaves one of the menu's first four transforms out
(``detect_inputs_edges_dev.py fused`` adds it to a cache).
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
from trojanscope.detect.input_level.base import conformal_threshold, threshold_at_fpr
from trojanscope.detect.input_level.evaluate import roc_auc, triggered_split
from trojanscope.detect.input_level.mahalanobis import CAP, Mahalanobis
from trojanscope.detect.input_level.resample import rotate
from trojanscope.io.models import load_model
from trojanscope.mitigate.triggers import attack_from_spec
from trojanscope.purify.bitdepth import BitDepthReduction
from trojanscope.purify.median import MedianSmoothing

sys.path.insert(0, str(Path(__file__).parent))


def _bin(bits: int):
    return lambda x: BitDepthReduction(bits).purify(x, None, None)


CANDIDATES = {  # looked at in this round, not taken (docs/benchmarks.md)
    "rotbinm5": lambda x: _bin(1)(rotate(x, -5.0)),
    "rot10bin": lambda x: _bin(1)(rotate(x, 10.0)),
    "binmed": lambda x: MedianSmoothing(3).purify(_bin(1)(x), None, None),
    "bin2": _bin(2),
}
ALL = consistency.AUTO_MENU + tuple(CANDIDATES)
FOLDS = 5  # fit_guard's


def columns(model: torch.nn.Module, attack, out: Path) -> None:
    """Cache the standardised columns of ``model`` (see the module's docstring)."""
    consistency.TRANSFORMS.update(CANDIDATES)
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        guard_x, neg_x, trig_x, fires = triggered_split(model, load_dataset("mnist", "test"),
                                                        attack, gen)
        fold = torch.randperm(len(guard_x), generator=gen) % FOLDS
        calib = []
        for f in range(FOLDS):
            det = Mahalanobis(transforms=ALL, cap=0)
            det.fit(model, guard_x[fold != f], generator=gen)
            calib.append(det._raw(guard_x[fold == f]).float())
        calib_x = torch.empty(len(guard_x), calib[0].shape[1])
        for f in range(FOLDS):
            calib_x[fold == f] = calib[f]
        det = Mahalanobis(transforms=ALL, cap=0)
        det.fit(model, guard_x, generator=gen)
        pred = model(guard_x).argmax(1)
        agree = {t: float((model(consistency.TRANSFORMS[t](guard_x)).argmax(1) == pred)
                          .float().mean()) for t in ALL}
        torch.save({"calib": calib_x, "neg": det._raw(neg_x).float(),
                    "pos": det._raw(trig_x).float(), "fires": fires, "names": list(ALL),
                    "n_layer": calib_x.shape[1] - len(ALL), "agree": agree}, out)
    print(f"{out}: {int(fires.sum())} positives", flush=True)


def fused(c: Tensor, n_layer: int, idx: list[int], top: int) -> Tensor:
    """The detector's score from cached columns: capped consistency columns, only the ``top``
    largest counted (0: all), ``sumsq``."""
    tr = CAP * torch.tanh(c[:, n_layer:][:, idx] / CAP)
    if 0 < top < tr.shape[1]:
        tr = tr.topk(top, 1).values
    return torch.cat([c[:, :n_layer], tr], 1).clamp_min(0).square().sum(1)


def auto_choice(d: dict, menu: tuple[str, ...] = consistency.AUTO_MENU) -> list[int]:
    """Indices (among the cached transforms) of ``auto``'s choice from ``menu`` for this model:
    the first ``MAX_TRANSFORMS`` whose clean agreement passes, as ``choose_transforms``."""
    kept: list[str] = []
    for t in menu:
        if len(kept) >= consistency.MAX_TRANSFORMS:
            break
        if t not in d["agree"]:
            raise SystemExit(f"transform {t} is not in this cache (written before it joined the "
                             "menu): run the cache step again")
        if d["agree"][t] >= consistency.MIN_AGREEMENT:
            kept.append(t)
    return [d["names"].index(t) for t in kept]


def figures(d: dict, top: int) -> tuple[float, float, float]:
    """(ROC-AUC, TPR at 1% FPR, guard FPR) with ``auto``'s transforms for this model."""
    idx = auto_choice(d)
    neg, pos, cal = (fused(d[k], d["n_layer"], idx, top) for k in ("neg", "pos", "calib"))
    fired = pos[d["fires"]]
    return (roc_auc(neg, fired), float((fired > threshold_at_fpr(neg, 0.01)).float().mean()),
            float((neg > conformal_threshold(cal, 0.01)).float().mean()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("cache")
    c.add_argument("cache", type=Path)
    c.add_argument("--runs", type=Path, nargs="*", default=[])
    c.add_argument("--foreign", type=Path, nargs="*", default=[])
    p = sub.add_parser("compare")
    p.add_argument("files", type=Path, nargs="+")
    args = ap.parse_args()
    torch.set_num_threads(1)
    if args.cmd == "cache":
        args.cache.mkdir(parents=True, exist_ok=True)
        for run in args.runs:
            loaded = load_model(run)
            columns(loaded.module.eval(), attack_from_spec(loaded.manifest.attack),
                    args.cache / f"{run.name}.pt")
        from bench_detect_inputs_foreign import ForeignTrigger

        for spec in args.foreign:
            truth = json.loads((spec.parent / "truth.json").read_text())["models"]
            meta = next(m for m in truth if m["name"] == spec.name)
            columns(load_model(spec.parent / f"{spec.name}.pt").module.eval(),
                    ForeignTrigger(meta["trigger"], meta["target"]),
                    args.cache / f"{spec.parent.name}__{spec.name}.pt")
        return
    print("| model | positives | top=0 (today): ROC-AUC / TPR / guard FPR | top=2 | top=1 |")
    print("|---|---:|---|---|---|")
    for path in args.files:
        d = torch.load(path, weights_only=True)
        cells = [figures(d, top) for top in (0, 2, 1)]
        print(f"| {path.stem} | {int(d['fires'].sum())} | " + " | ".join(
            f"{a:.4f} / {t:.3f} / {g:.3f}" for a, t, g in cells) + " |")


if __name__ == "__main__":
    main()
