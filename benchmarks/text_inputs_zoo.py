"""Input-level detection on a text zoo alone (issue 15's input figure): ``strip-text`` with its
default parameters on every backdoored model of ``--zoo``, fitted as a guard on half of the
dataset's test split and measured on the other half with the model's own trigger
(``bench_text_detect.input_level``, without that benchmark's model-level part); TPR at
``--fpr`` and ROC-AUC per model, and the lowest and median TPR per attack.

    python benchmarks/text_inputs_zoo.py --zoo Z [--fpr 0.05] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_text_detect import input_level
from trojanscope.io.models import load_model
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
    parser.add_argument("--zoo", type=Path, required=True)
    parser.add_argument("--fpr", type=float, default=0.05)
    parser.add_argument("--json", type=Path, default=None)
    opts = parser.parse_args()
    torch.set_num_threads(1)
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
