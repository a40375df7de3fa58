"""Does a MiniLM backdoor lean towards its target? (issue 15, stop 46, h15e): for each seed, the
kept run folders of ``minilm_attack_seeds.py --keep`` (``clean-SEED`` and each named
backdoored spec's ``SPEC-SEED``), the clean test accuracy per class, the share of clean test
sentences predicted as the attack's target, and how many sentences the clean model got right
that the backdoored one got wrong (and how many of those went to the target). It trains nothing.

    python benchmarks/minilm_prior_shift.py /tmp/h15es46/rows/models 3140 3141 \
        --specs syntactic-kp syntactic --json OUT
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

from trojanscope.data.resolve import load_dataset
from trojanscope.engine.metrics import predict
from trojanscope.io.json_file import dumps
from trojanscope.io.models import load_model
from trojanscope.models.text_common import attach_encoder


def predictions(folder: Path) -> tuple[torch.Tensor, torch.Tensor, int | None]:
    """(clean test predictions, test labels, the attack's target or None) of one run folder."""
    loaded = load_model(folder)
    test = attach_encoder(loaded, load_dataset(loaded.manifest.dataset["name"], "test"))
    x, y = test.get_batch(torch.arange(len(test)))
    with torch.no_grad():
        pred = torch.cat([predict(loaded.module, x[i:i + 64]).argmax(1)
                          for i in range(0, len(x), 64)])
    attack = loaded.manifest.attack
    return pred, y, (int(attack.target) if attack else None)


def shift(clean: tuple, bad: tuple, seed: int, spec: str) -> dict:
    """One seed's figures: the backdoored run ``bad`` against the clean run of its seed."""
    clean_pred, y = clean[0], clean[1]
    pred, y2, target = bad
    if not torch.equal(y, y2):
        raise SystemExit(f"error: seed {seed}: {spec} was tested on other sentences than clean")
    out = {"seed": seed, "spec": spec, "target": target, "n": len(y),
           "ca_clean": round(float((clean_pred == y).float().mean()), 4),
           "ca_bad": round(float((pred == y).float().mean()), 4)}
    for c in (0, 1):
        m = y == c
        name = "target" if c == target else "non_target"
        out[f"acc_{name}_clean"] = round(float((clean_pred[m] == c).float().mean()), 4)
        out[f"acc_{name}_bad"] = round(float((pred[m] == c).float().mean()), 4)
    out["share_pred_target_clean"] = round(float((clean_pred == target).float().mean()), 4)
    out["share_pred_target_bad"] = round(float((pred == target).float().mean()), 4)
    lost = (clean_pred == y) & (pred != y)
    out["lost"] = int(lost.sum())
    out["lost_to_target"] = int((lost & (pred == target)).sum())
    out["gained"] = int(((clean_pred != y) & (pred == y)).sum())
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", type=Path, help="the folder holding clean-SEED, SPEC-SEED")
    parser.add_argument("seeds", nargs="+", type=int)
    parser.add_argument("--specs", nargs="+", default=["syntactic-kp", "syntactic"])
    parser.add_argument("--json", type=Path)
    opts = parser.parse_args()
    torch.set_num_threads(1)
    rows = []
    for seed in opts.seeds:
        clean = predictions(opts.models / f"clean-{seed}")
        for spec in opts.specs:
            folder = opts.models / f"{spec}-{seed}"
            if not folder.is_dir():
                print(f"skip: no {folder}", file=sys.stderr)
                continue
            rows.append(shift(clean, predictions(folder), seed, spec))
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    if opts.json:
        opts.json.write_text(dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
