"""Input-level detection on models trojanscope did not make (issue 14, with issue 9's foreign
zoos): TorchScript MNIST models trained by ``foreign_zoo.py`` (another training script, other
architectures — BatchNorm, tanh/average pooling, LayerNorm, ELU, SiLU MLPs… — and other trigger
families: crossed patch, sparse pixels, noise blend, frame, checkerboard, one-pixel cross).

For each backdoored model whose backdoor took (``effective`` in the zoo's ``truth.json``), each
method is fitted as a guard on one half of the bundled MNIST test split and scored on the other
half and its triggered copies (``evaluate_triggered``, as ``bench_detect_inputs.py`` does).

    python benchmarks/bench_detect_inputs_foreign.py zoo-fresh zoo/foreign --methods auto,strip \
        --out benchmarks/out/detect_inputs_foreign.json
    python benchmarks/bench_detect_inputs_foreign.py --summarise A.json B.json   # runs combined
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import torch
from torch import Tensor

sys.path.insert(0, str(Path(__file__).parent))
from foreign_zoo import apply_trigger
from trojanscope.data import load_dataset
from trojanscope.data.dataset import BatchDataset
from trojanscope.detect.input_level import auto
from trojanscope.detect.input_level.evaluate import evaluate_triggered
from trojanscope.io.models import load_model
from trojanscope.params import parse_assignments


class ForeignTrigger:
    """The part of an ``Attack`` that ``evaluate_triggered`` uses, for a foreign zoo's trigger
    (all-to-one: inputs already of the target class are left out)."""

    def __init__(self, trigger: dict, target: int) -> None:
        self.trigger, self.target = trigger, target

    def test_inputs(self, ds: BatchDataset) -> tuple[Tensor, Tensor, Tensor]:
        keep = torch.nonzero(ds.labels != self.target).flatten()
        x, y = ds.get_batch(keep)
        tx = torch.from_numpy(apply_trigger(x.numpy(), self.trigger))
        return tx, y, torch.full_like(y, self.target)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("zoos", type=Path, nargs="+",
                    help="zoo folders (with --summarise: JSON outputs of earlier runs)")
    ap.add_argument("--methods", default="auto,strip",
                    help="comma-separated input detectors (name or name:param=value)")
    ap.add_argument("--fpr", type=float, default=0.01)
    ap.add_argument("--models", default=None,
                    help="comma-separated model names to run (default: every backdoored one)")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--seed", type=int, default=0,
                    help="seed of the clean/triggered split (stop 38 reads split noise with 1, 2)")
    ap.add_argument("--art", action="store_true",
                    help="also ART 1.20's STRIP (as bench_detect_inputs.py runs it; needs ART)")
    ap.add_argument("--summarise", action="store_true",
                    help="print the combined summary of earlier runs' JSON outputs")
    args = ap.parse_args()
    if args.summarise:
        summarise([r for path in args.zoos for r in json.loads(path.read_text())])
        return
    if args.out is None:
        ap.error("--out is required")
    torch.set_num_threads(1)
    clean = load_dataset("mnist", "test")
    rows = []
    for zoo in args.zoos:
        truth = json.loads((zoo / "truth.json").read_text())
        for meta in truth["models"]:
            if not (meta["backdoored"] and meta.get("effective", True)):
                continue
            if args.models and meta["name"] not in args.models.split(","):
                continue
            model = load_model(zoo / f"{meta['name']}.pt").module.eval()
            attack = ForeignTrigger(meta["trigger"], meta["target"])
            for method in args.methods.split(","):
                name, *params = method.split(":")  # "mahalanobis:edges=auto" as the benchmark
                detector = auto.create(name, **parse_assignments(params, "method parameter"))
                ev = evaluate_triggered(model, detector, clean, attack,  # type: ignore[arg-type]
                                        fpr=args.fpr, seed=args.seed)
                row = {"zoo": str(zoo), "model": meta["name"], "arch": meta["arch_family"],
                       "trigger": meta["trigger_family"], "requested": method, **ev.as_dict()}
                kept = detector.resolved_params().get("transforms")  # which transforms it kept
                if kept is not None:
                    row["transforms"] = list(kept)
                rows.append(row)
                print(f"{zoo}/{meta['name']} {meta['trigger_family']} {method}: ROC-AUC "
                      f"{ev.roc_auc:.4f} TPR@FPR {ev.tpr_at_fpr:.3f} guard FPR "
                      f"{ev.guard_fpr:.3f} ({ev.positives} positives)", flush=True)
                args.out.write_text(json.dumps(rows, indent=1))
            if args.art:
                rows.append(art_row(zoo, meta, model, clean, attack, args.fpr, args.seed))
                args.out.write_text(json.dumps(rows, indent=1))
    summarise(rows)


def art_row(zoo: Path, meta: dict, model: torch.nn.Module, clean, attack: ForeignTrigger,
            fpr: float, seed: int) -> dict:
    """ART's STRIP on the same halves as the other methods (``bench_detect_inputs.art_strip``);
    exits with one line where ART is not installed."""
    from bench_detect_inputs import art_strip
    from trojanscope.detect.input_level.evaluate import triggered_split

    with torch.no_grad():
        split = triggered_split(model, clean, attack,  # type: ignore[arg-type]
                                torch.Generator().manual_seed(seed))
    ev = art_strip(model, *split, fpr, seed)
    if ev is None:
        sys.exit("--art: ART is not installed (pip install adversarial-robustness-toolbox)")
    print(f"{zoo}/{meta['name']} {meta['trigger_family']} ART strip: ROC-AUC "
          f"{ev['roc_auc']:.4f} TPR@FPR {ev['tpr_at_fpr']:.3f} guard FPR {ev['guard_fpr']:.3f}",
          flush=True)
    return {"zoo": str(zoo), "model": meta["name"], "arch": meta["arch_family"],
            "trigger": meta["trigger_family"], "requested": "art-strip", **ev}


def summarise(rows: list[dict]) -> None:
    """Per method: mean and worst ROC-AUC and TPR, models at the goal, worst trigger family."""
    for method in dict.fromkeys(r["requested"] for r in rows):
        rs = [r for r in rows if r["requested"] == method]
        auc = np.array([r["roc_auc"] for r in rs])
        tpr = np.array([r["tpr_at_fpr"] for r in rs])
        ok = sum(a >= 0.98 and t >= 0.95 for a, t in zip(auc, tpr, strict=True))
        print(f"\n{method}: {len(rs)} models; ROC-AUC mean {auc.mean():.4f} worst {auc.min():.4f}"
              f"; TPR@FPR mean {tpr.mean():.3f} worst {tpr.min():.3f}; {ok}/{len(rs)} at "
              "ROC-AUC >= 0.98 and TPR >= 0.95")
        for key in ("trigger", "arch"):
            groups: dict[str, list[dict]] = {}
            for r in rs:
                groups.setdefault(r[key], []).append(r)
            cells = [f"{g} {np.mean([r['roc_auc'] for r in m]):.3f}/"
                     f"{np.mean([r['tpr_at_fpr'] for r in m]):.2f} worst "
                     f"{min(r['tpr_at_fpr'] for r in m):.3f} (n={len(m)})"
                     for g, m in sorted(groups.items())]
            print(f"  by {key} (mean ROC-AUC / TPR, worst TPR): " + "; ".join(cells))
        for r in sorted(rs, key=lambda r: (Path(r["zoo"]).name, r["model"])):
            short = r["roc_auc"] < 0.98 or r["tpr_at_fpr"] < 0.95
            print(f"  {Path(r['zoo']).name}/{r['model']} ({r['trigger']}): ROC-AUC "
                  f"{r['roc_auc']:.4f} TPR {r['tpr_at_fpr']:.3f} guard FPR {r['guard_fpr']:.3f} "
                  f"passes {r['forward_passes_per_input']} "
                  f"[{'+'.join(r.get('transforms', ['?']))}]" + (" SHORT" if short else ""))


if __name__ == "__main__":
    main()
