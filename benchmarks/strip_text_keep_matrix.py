"""Why ``strip-text`` misses some triggered inputs and why its guard over-flags (issue 15, stop
49, development only): on one backdoored run folder, the split of ``evaluate_triggered`` (seed
0: guard half, held-out clean half, its triggered copies), a pool of ``--pool`` confident
partners per class drawn from the guard half as ``strip-text`` draws them, and the probability
each input keeps its predicted class in the mixture with every partner, input first and input
last. Written as one ``.pt`` file (tensors only) that ``strip_text_keep_report.py`` reads to
simulate partner counts, orders and thresholds without another forward pass.

    python benchmarks/strip_text_keep_matrix.py RUN --pool 16 --out keep.pt
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from trojanscope.data.resolve import load_dataset
from trojanscope.detect.input_level.evaluate import triggered_split
from trojanscope.detect.input_level.text_base import pad_rows, tokens
from trojanscope.io.models import load_model
from trojanscope.mitigate.triggers import attack_from_spec
from trojanscope.models.text_common import attach_encoder


def keep_matrix(model: torch.nn.Module, x: torch.Tensor, pred: torch.Tensor,
                partners: list[list[list[int]]], length: int, pad: int) -> torch.Tensor:
    """(inputs, partners, 2) probability of the input's predicted class; [..., 0] input first."""
    n = len(partners[0])
    out = torch.empty(len(x), n, 2)
    for i, row in enumerate(x):
        mine = tokens(row, pad)
        mates = partners[int(pred[i])]
        rows = [mine + p for p in mates] + [p + mine for p in mates]
        probs = model(pad_rows(rows, length, pad)).softmax(1)[:, int(pred[i])]
        out[i, :, 0], out[i, :, 1] = probs[:n], probs[n:]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--pool", type=int, default=16)
    parser.add_argument("--min-confidence", type=float, default=0.8)
    parser.add_argument("--out", type=Path, required=True)
    opts = parser.parse_args()
    torch.set_num_threads(1)
    loaded = load_model(opts.folder)
    model = loaded.module.eval()
    clean = attach_encoder(loaded, load_dataset(loaded.manifest.dataset["name"], "test"))
    attack = attack_from_spec(loaded.manifest.attack)
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        guard_x, neg_x, trig_x, fires = triggered_split(model, clean, attack, gen)
        pad = int(getattr(model, "pad_id", 0))
        length = 2 * guard_x.shape[1]
        probs = model(guard_x).softmax(1)
        conf, pred = probs.max(1)
        pick_gen = torch.Generator().manual_seed(1)
        partners, partner_idx = [], []
        for c in range(probs.shape[1]):
            others = torch.nonzero(pred != c).flatten()
            sure = others[conf[others] >= opts.min_confidence]
            pick = sure[torch.randperm(len(sure), generator=pick_gen)[: opts.pool]]
            partner_idx.append(pick)
            partners.append([tokens(guard_x[int(i)], pad) for i in pick])
        out: dict[str, torch.Tensor] = {"fires": fires, "guard_pred": pred}
        for name, x in (("guard", guard_x), ("neg", neg_x), ("trig", trig_x)):
            start = time.perf_counter()
            p = model(x).softmax(1)
            out[f"{name}_pred"] = p.argmax(1)
            out[f"{name}_conf"] = p.max(1).values
            out[f"{name}_len"] = (x != pad).sum(1)
            out[f"{name}_keep"] = keep_matrix(model, x, p.argmax(1), partners, length, pad)
            print(f"{name}: {len(x)} inputs, {time.perf_counter() - start:.0f} s",
                  file=sys.stderr, flush=True)
        for c, pick in enumerate(partner_idx):
            out[f"partners_{c}"] = pick
        out["trig_x"], out["neg_x"] = trig_x, neg_x
    torch.save(out, opts.out)


if __name__ == "__main__":
    main()
