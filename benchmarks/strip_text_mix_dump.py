"""``strip-text``'s mixtures read copy by copy (issue 15, stop 54, development): on each
backdoored run folder, every clean test sentence and the triggered copy of each one not of the
target class, concatenated (as the detector does: followed by even partners, preceded by odd
ones) with ``--partners`` clean sentences of another class; for each input and mixture the
probability the mixture keeps of the input's predicted class, plus the input's own probability
and class. Any score over the mixtures (the mean, the least, the first ``n`` partners only) and
any threshold can then be simulated on many splits of these readings with no other forward pass
(``strip_text_mix_report.py``). Partners are drawn once from all the clean sentences the model
gives ≥ ``--min-confidence`` (the detector draws them from its guard half; a sentence is never
its own partner, its class differs). Sandwich and span perturbations were planned and not read
(time); ``strip_text_class_dump.py --copies`` reads the detector's own mixtures per split.

    python benchmarks/strip_text_mix_dump.py RUN... --partners 16 --json OUT
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

from trojanscope.data.resolve import load_dataset
from trojanscope.detect.input_level.text_base import pad_rows, position_limit, tokens
from trojanscope.io.models import load_model
from trojanscope.mitigate.triggers import attack_from_spec
from trojanscope.models.text_common import attach_encoder

BATCH = 128
POOL = 32  # partners drawn per class (the same draw whatever the copies asked for)


def probs_of(model: torch.nn.Module, rows: list[list[int]], length: int, pad: int) -> torch.Tensor:
    """Softmax of ``model`` over token lists padded to ``length``, in batches."""
    out = []
    with torch.no_grad():
        for i in range(0, len(rows), BATCH):
            out.append(model(pad_rows(rows[i : i + BATCH], length, pad)).softmax(1))
    return torch.cat(out)


def read_model(folder: Path, k: int, min_conf: float, seed: int) -> dict:
    """Readings of one run folder (see the module docstring)."""
    loaded = load_model(folder)
    model = loaded.module.eval()
    clean = attach_encoder(loaded, load_dataset(loaded.manifest.dataset["name"], "test"))
    attack = attack_from_spec(loaded.manifest.attack)
    index = torch.from_numpy(attack.test_index(clean))
    tx, _, target = attack.test_inputs(clean)
    pad = int(getattr(model, "pad_id", 0))
    gen = torch.Generator().manual_seed(seed)
    clean_rows = [tokens(r, pad) for r in clean.x]
    trig_rows = [tokens(r, pad) for r in tx]
    width = clean.x.shape[1]
    limit = position_limit(model) or 10**6
    p_clean = probs_of(model, clean_rows, width, pad)
    conf, pred = p_clean.max(1)
    partners = []
    for c in range(p_clean.shape[1]):
        pool = torch.nonzero((pred != c) & (conf >= min_conf)).flatten()
        partners.append(pool[torch.randperm(len(pool), generator=gen)[:POOL]].tolist())
    out: dict = {"model": folder.name, "attack": loaded.manifest.attack.name,
                 "target": int(target[0]) if len(target) else None, "partners": partners,
                 "trig_index": index.tolist()}
    for name, rows in (("clean", clean_rows), ("trig", trig_rows)):
        p = probs_of(model, rows, width, pad)
        own, cls = p.max(1)
        reading = {"own": own.tolist(), "pred": cls.tolist()}
        mixed = []
        for mine, c in zip(rows, cls.tolist(), strict=True):
            for j in range(k):
                mate = clean_rows[partners[c][j]]
                mixed.append(mine + mate if j % 2 == 0 else mate + mine)
        q = probs_of(model, mixed, min(2 * width, limit), pad)
        reading["concat"] = q.view(len(rows), k, -1)[torch.arange(len(rows)), :, cls].tolist()
        print(folder.name, name, "done", file=sys.stderr, flush=True)
        out[name] = reading
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", type=Path, nargs="+")
    parser.add_argument("--partners", type=int, default=16, help="mixtures per input (≤ 32)")
    parser.add_argument("--min-confidence", type=float, default=0.8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, required=True)
    opts = parser.parse_args()
    torch.set_num_threads(1)
    models = []
    for folder in opts.folders:
        models.append(read_model(folder, opts.partners, opts.min_confidence, opts.seed))
        opts.json.write_text(json.dumps({"copies": {"concat": opts.partners},
                                         "models": models}) + "\n")


if __name__ == "__main__":
    main()
