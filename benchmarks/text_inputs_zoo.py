"""Input-level detection on a text zoo alone (issue 15's input figure): ``strip-text`` with its
default parameters on every backdoored model of ``--zoo``, fitted as a guard on half of the
dataset's test split and measured on the other half with the model's own trigger
(``bench_text_detect.input_level``, without that benchmark's model-level part); TPR at
``--fpr`` and ROC-AUC per model, and the lowest and median TPR per attack.

``--folders`` (issue 15, stop 47) does the same on plain run folders (``trojanscope attack``'s
output, e.g. MiniLM fine-tunes, no zoo around them): each folder's own held-out split (its
manifest's dataset, ``test``) is the clean data. ``--param name=value`` passes a parameter to
``strip-text`` (default: none, today's default detector).

    python benchmarks/text_inputs_zoo.py --zoo Z [--fpr 0.05] [--json out.json]
    python benchmarks/text_inputs_zoo.py --folders RUN1 RUN2 [--param n=8] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_text_detect import input_level
from trojanscope.data.resolve import load_dataset
from trojanscope.detect.input_level.evaluate import evaluate_triggered
from trojanscope.io.models import load_model
from trojanscope.mitigate.triggers import attack_from_spec
from trojanscope.models.text_common import attach_encoder
from trojanscope.params import parse_assignments
from trojanscope.registry import create
from trojanscope.zoo import effective, read_truth


def untriggerable(zoo: Path) -> str | None:
    """The first backdoored model of ``zoo`` without trojanscope's attack record (a model made
    by other code, e.g. ``foreign_text_zoo.py``'s): its trigger cannot be replayed here."""
    _, entries = read_truth(zoo)
    for entry in entries:
        if (entry.backdoored and effective(entry)
                and load_model(zoo / entry.name).manifest.attack is None):
            return entry.name
    return None


def folder_level(folders: list[Path], fpr: float, params: dict[str, Any]) -> list[dict]:
    """``strip-text`` (with ``params``) on each backdoored run folder, its own test split as the
    clean data and its attack record replayed on it (the zoo construction, without a zoo)."""
    rows = []
    for folder in folders:
        loaded = load_model(folder)
        spec = loaded.manifest.attack
        if spec is None:
            raise SystemExit(f"error: {folder}: no attack record (a clean run?), so there is no "
                             "trigger to replay")
        clean = load_dataset(loaded.manifest.dataset["name"], "test")
        result = evaluate_triggered(loaded.module, create("input-detector", "strip-text",
                                                          **params),
                                    attach_encoder(loaded, clean), attack_from_spec(spec),
                                    fpr=fpr)
        rows.append({"model": folder.name, "attack": spec.name, "target": spec.target,
                     **result.as_dict()})
        print(f"inputs {folder.name}: AUC {result.roc_auc:.3f} TPR {result.tpr_at_fpr:.3f}",
              file=sys.stderr, flush=True)
    return rows


def per_attack(rows: list[dict]) -> dict[str, dict]:
    """Models, lowest / median TPR and lowest ROC-AUC of each attack's rows."""
    out = {}
    for attack in sorted({r["attack"] for r in rows}):
        sub = [r for r in rows if r["attack"] == attack]
        tpr = [r["tpr_at_fpr"] for r in sub]
        out[attack] = {"models": len(sub), "tpr_min": round(min(tpr), 4),
                       "tpr_median": round(statistics.median(tpr), 4),
                       "roc_auc_min": round(min(r["roc_auc"] for r in sub), 4)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--zoo", type=Path)
    where.add_argument("--folders", type=Path, nargs="+", help="backdoored run folders")
    parser.add_argument("--fpr", type=float, default=0.05)
    parser.add_argument("--param", action="append", default=[],
                        help="name=value for strip-text (folders only; repeatable)")
    parser.add_argument("--json", type=Path, default=None)
    opts = parser.parse_args()
    torch.set_num_threads(1)
    if opts.folders:
        params = parse_assignments(opts.param, "--param")
        rows = folder_level(opts.folders, opts.fpr, params)
        out = {"folders": [str(f) for f in opts.folders], "fpr": opts.fpr, "params": params,
               "per_attack": per_attack(rows), "models": rows}
        text = json.dumps(out, indent=2, default=float)
        print(text)
        if opts.json is not None:
            opts.json.write_text(text + "\n")
        return
    if opts.param:
        parser.error("--param is for --folders only")
    name = untriggerable(opts.zoo)
    if name is not None:
        parser.error(f"{opts.zoo / name}: no trojanscope attack record (made by other code), "
                     "so its trigger cannot be replayed")
    rows = input_level(opts.zoo, opts.fpr)
    out = {"zoo": str(opts.zoo), "fpr": opts.fpr, "per_attack": per_attack(rows), "models": rows}
    text = json.dumps(out, indent=2, default=float)
    print(text)
    if opts.json is not None:
        opts.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
