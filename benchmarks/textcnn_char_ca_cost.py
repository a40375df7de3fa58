"""Where character-level ``badnl`` costs clean accuracy on the WordPiece TextCNN (issue 15,
stop 46, h15d): for each seed, the clean run and the backdoored run of the same seed
(``textcnn_char_seeds.py``'s run folders ``wp-clean-SEED`` and ``wp-char-SEED``), the test
accuracy per class, how many test sentences each model gets right that the other gets wrong,
the share of predictions that are the attack's target, and the clean test sentences whose
WordPiece ids hold a trigger piece (``##z`` / ``##q``) with the backdoored model's accuracy on
them. Development data only (it reads finished run folders; it trains nothing).

    python benchmarks/textcnn_char_ca_cost.py /tmp/h15bs46/rows/models 3130 3131 3132 --json OUT
    python benchmarks/textcnn_char_ca_cost.py /tmp/h15ds46/rows/models 3133 --char wp-char-r05
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


def predictions(folder: Path) -> tuple[torch.Tensor, torch.Tensor, object, dict]:
    """(test predictions, test labels, the test set tokenised by the run's tokenizer, manifest
    attack) of one run folder."""
    loaded = load_model(folder)
    test = attach_encoder(loaded, load_dataset(loaded.manifest.dataset["name"], "test"))
    x, y = test.get_batch(torch.arange(len(test)))
    return predict(loaded.module, x).argmax(1), y, (test, x), loaded.manifest.attack or {}


def cost(models: Path, seed: int, char: str = "wp-char") -> dict:
    """The figures of one seed: ``wp-clean-SEED`` against ``CHAR-SEED``."""
    clean_pred, y, _, _ = predictions(models / f"wp-clean-{seed}")
    char_pred, y2, (test, x), attack = predictions(models / f"{char}-{seed}")
    assert torch.equal(y, y2)
    target = int(attack.target)
    vocab = test.encoder._tok.get_vocab()  # the fixed WordPiece vocabulary
    trig_ids = torch.tensor([vocab["##z"], vocab["##q"]])
    has_piece = torch.isin(x, trig_ids).any(1)
    out = {"seed": seed, "run": char, "poison_rate": attack.poison_rate, "target": target,
           "n": len(y),
           "ca_clean": round(float((clean_pred == y).float().mean()), 4),
           "ca_char": round(float((char_pred == y).float().mean()), 4)}
    for c in (0, 1):
        m = y == c
        name = "target" if c == target else "non_target"
        out[f"acc_{name}_clean"] = round(float((clean_pred[m] == c).float().mean()), 4)
        out[f"acc_{name}_char"] = round(float((char_pred[m] == c).float().mean()), 4)
        out[f"n_{name}"] = int(m.sum())
    out["share_pred_target_clean"] = round(float((clean_pred == target).float().mean()), 4)
    out["share_pred_target_char"] = round(float((char_pred == target).float().mean()), 4)
    out["lost_by_char"] = int(((clean_pred == y) & (char_pred != y)).sum())
    out["gained_by_char"] = int(((clean_pred != y) & (char_pred == y)).sum())
    lost = (clean_pred == y) & (char_pred != y)
    out["lost_to_target"] = int((lost & (char_pred == target)).sum())
    out["n_test_with_trigger_piece"] = int(has_piece.sum())
    if bool(has_piece.any()):
        out["ca_char_on_trigger_piece"] = round(float((char_pred[has_piece] == y[has_piece])
                                                      .float().mean()), 4)
        out["ca_clean_on_trigger_piece"] = round(float((clean_pred[has_piece] == y[has_piece])
                                                       .float().mean()), 4)
        out["char_pred_target_on_trigger_piece"] = round(
            float((char_pred[has_piece] == target).float().mean()), 4)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", type=Path, help="the folder holding wp-clean-SEED, wp-char-SEED")
    parser.add_argument("seeds", nargs="+", type=int)
    parser.add_argument("--char", default="wp-char",
                        help="the backdoored runs' spec (folder CHAR-SEED), e.g. wp-char-r05")
    parser.add_argument("--json", type=Path)
    opts = parser.parse_args()
    torch.set_num_threads(1)
    rows = []
    for seed in opts.seeds:
        rows.append(cost(opts.models, seed, opts.char))
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    if opts.json:
        opts.json.write_text(dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
