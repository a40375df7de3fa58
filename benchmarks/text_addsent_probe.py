"""Development probe for inserted-sentence (``addsent``) backdoors on a TextCNN zoo: how the
planted sentence and its parts move the model (``--sentence``), and the best span of the
relaxed span search (``--span``) per model and class, over three token sets.

    python benchmarks/text_addsent_probe.py zoo/text-dev1000-addsent --sentence
    python benchmarks/text_addsent_probe.py zoo/text-dev1000-addsent --span 5 \
        --tokens any seen3 share1

Clean sentences: 48 per class of the rt-polarity test split (seed 0), those the model does not
already give the class; the trigger or span inserted at the start. ``any``: every token
without a lean to the class (unseen ones included); ``seen3``: of those, the ones in three or
more clean sentences; ``share1``: in 1% of them (three at least).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from trojanscope.data import load_dataset
from trojanscope.detect.base import balanced_sample
from trojanscope.detect.text_inversion import trim_padding
from trojanscope.detect.text_relax import insert_ids
from trojanscope.detect.text_span import best_span
from trojanscope.detect.text_tokens import class_doc_counts, class_lean, leaning_to
from trojanscope.io.models import load_model
from trojanscope.models.text_common import attach_encoder
from trojanscope.zoo import read_truth


def mean_prob(model, x, t: int, span: list[int]) -> float:
    with torch.no_grad():
        return float(model(insert_ids(x, span, 0, model.pad_id)).softmax(1)[:, t].mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("zoo", type=Path)
    parser.add_argument("--sentence", action="store_true")
    parser.add_argument("--span", type=int, default=0)
    parser.add_argument("--tokens", nargs="+", default=["any"], choices=["any", "seen3", "share1"])
    opts = parser.parse_args()
    torch.set_num_threads(1)
    test = load_dataset("rt-polarity", "test")
    _, entries = read_truth(opts.zoo)
    for entry in entries:
        loaded = load_model(opts.zoo / entry.name)
        model = loaded.module.eval()
        clean = attach_encoder(loaded, test)
        table = model.token_embeddings().detach()
        counts = class_doc_counts(clean.x, clean.labels, 2, len(table))
        lean = class_lean(counts, torch.bincount(clean.labels, minlength=2))
        sub = balanced_sample(clean, 48, torch.Generator().manual_seed(0))
        ids = trim_padding(sub.x, model.pad_id, 12)
        with torch.no_grad():
            pred = model(ids).argmax(1)
        out = [entry.name]
        if opts.sentence and entry.backdoored:
            t = entry.target
            words = entry.trigger["sentence"].lower().split()
            toks = [clean.encoder.index.get(w, clean.encoder.unk_id) for w in words]
            x = ids[pred != t]
            whole = mean_prob(model, x, t, toks)
            out.append(f"target {t} `{' '.join(words)}` ids {toks}: whole {whole:.3f}")
            out.append("less one word " + ", ".join(
                f"{w} {mean_prob(model, x, t, toks[:i] + toks[i + 1:]):.3f}"
                for i, w in enumerate(words)))
            out.append("one word " + ", ".join(
                f"{w} {mean_prob(model, x, t, [tok]):.3f}"
                for w, tok in zip(words, toks, strict=True)))
        if opts.span:
            seen = counts.sum(0)
            banned = torch.zeros(len(table), dtype=torch.bool)
            banned[model.special_ids()] = True
            need = {"any": 0.0, "seen3": 3.0, "share1": max(3.0, 0.01 * len(clean.x))}
            for kind in opts.tokens:
                for t in range(2):
                    ban = banned | leaning_to(lean, t, 0.1) | (seen < need[kind])
                    start = time.process_time()
                    span, prob = best_span(model, ids[pred != t], t, table, ban, length=opts.span,
                                           at=0, pad_id=model.pad_id,
                                           placeholder=int(torch.nonzero(~ban).flatten()[0]))
                    words = " ".join(clean.encoder.token(s) for s in span)
                    out.append(f"{kind} class {t}: {prob:.3f} [{words}] "
                               f"{time.process_time() - start:.1f} CPU s")
        print(" | ".join(out), flush=True)


if __name__ == "__main__":
    main()
