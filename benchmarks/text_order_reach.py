"""Why the word-order search (``text-inversion -p order=1``, :mod:`trojanscope.detect.text_order`)
does not reach an inserted sentence (issue 15, stop 39; development zoos only): for each
``cnn-cleanvocab`` sentence model of ``--zoo``, every trigger word's clean-split document count,
its lean to the target class, whether the search may use it (``--min-docs``, the lean filter),
its relevance and rank in the search's pool; then the span the search finds for the target
class against the true trigger's first four words and its other four-word windows (the
search's own approximation, and the exact margin in order and reversed, over the search's own
sentence sample). With ``--variants``, ``tp_order`` of every clean Kim CNN and every
``cnn-cleanvocab`` sentence model under search variants (``min_docs/lean_docs/length``: the
lean filter applied only to tokens held by at least ``lean_docs`` clean sentences; spans of
``length`` tokens), to see whether a wider pool or a longer span lifts the sentences above
the clean models.

    python benchmarks/text_order_reach.py --zoo zoo/text-foreign2400 --min-docs 3 \\
        --variants 0/0/4 3/0/4 0/10/4 3/10/4 0/0/6 3/0/6
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from trojanscope.data import load_dataset
from trojanscope.detect import text_order
from trojanscope.detect.text_tokens import class_doc_counts, leaning_to
from trojanscope.io.models import load_model
from trojanscope.models.text_common import attach_encoder


def search_samples(model, x: torch.Tensor, allowed_for) -> dict[int, tuple]:
    """Per class: (the search's sentence sample, its result), drawn as ``order_asymmetry`` does."""
    xs = x[:, : text_order.MAX_LEN]
    with torch.no_grad():
        pred = model(xs).argmax(1)
    gen = torch.Generator().manual_seed(text_order.ORDER_SEED)
    xs[torch.randperm(len(xs), generator=gen)[: text_order.PER_CLASS]]  # the layer check's draw
    out = {}
    for c in range(int(model.classifier.out_features)):
        others = xs[pred != c]
        sample = others[torch.randperm(len(others), generator=gen)[: text_order.PER_CLASS]]
        out[c] = (sample, text_order.class_asymmetry(model, sample, c, allowed_for(c)))
    return out


def reach(model, x, y, entry: dict, vocab: list[str], min_docs: int) -> dict:
    """The trigger words against the search's pool, and the found span against the true one."""
    k = int(model.classifier.out_features)
    ids, labels, lean, banned = text_order.order_inputs(model, x, y, k, min_docs)
    docs = class_doc_counts(ids, labels, k, len(banned)).sum(0)
    t = int(entry["target"])

    def allowed_for(c: int) -> torch.Tensor:
        a = ~(banned | leaning_to(lean, c, text_order.MARGIN))
        a[int(getattr(model, "pad_id", 0))] = False
        return a

    v = text_order.push(model, t)
    rel = text_order.relevance(model, v)
    allowed = allowed_for(t)
    ranked = torch.where(allowed, rel, torch.tensor(-float("inf"))).argsort(descending=True)
    rank = {int(i): r for r, i in enumerate(ranked.tolist())}
    index = {w: i for i, w in enumerate(vocab)}
    words = entry["trigger"]["words"]
    true = [index.get(w, 1) for w in words]
    table = [
        {
            "word": w,
            "in_vocab": w in index,
            "clean_docs": int(docs[i]),
            "lean_to_target": round(float(lean[t, i]), 2),
            "allowed": bool(allowed[i]),
            "relevance": round(float(rel[i]), 3),
            "pool_rank": rank[i] if allowed[i] else None,
        }
        for w, i in zip(words, true, strict=True)
    ]
    sample, (_, span) = search_samples(model, x, allowed_for)[t]
    windows = [true[i : i + text_order.LENGTH] for i in range(len(true) - text_order.LENGTH + 1)]
    approx = text_order.approx_asymmetry(
        model, text_order.pooled(model, sample), v, [span, *windows]
    )
    exact = text_order.exact_margin(
        model, sample, t, [span, span[::-1], true[:4], true[:4][::-1], true, true[::-1]], 0
    )
    return {
        "name": entry["name"],
        "target": t,
        "pool_size": int(allowed.sum()),
        "words": table,
        "found": [vocab[i] for i in span],
        "found_approx": round(float(approx[0]), 2),
        "found_exact": [round(exact[0], 2), round(exact[1], 2)],
        "true_windows_approx": [round(float(a), 2) for a in approx[1:]],
        "true_first4_exact": [round(exact[2], 2), round(exact[3], 2)],
        "true_whole_exact": [round(exact[4], 2), round(exact[5], 2)],
    }


def variant_order(model, x, y, k: int, min_docs: int, lean_docs: int, length: int) -> float | None:
    """``tp_order`` with the lean filter only where ``lean_docs`` clean sentences hold the token,
    and spans of ``length`` tokens (the module's constants restored after)."""
    ids, labels, lean, banned = text_order.order_inputs(model, x, y, k, min_docs)
    docs = class_doc_counts(ids, labels, k, len(banned)).sum(0)
    saved = text_order.leaning_to, text_order.LENGTH
    text_order.leaning_to = lambda le, c, m: leaning_to(le, c, m) & (docs >= lean_docs)
    text_order.LENGTH = length
    try:
        return text_order.order_asymmetry(model, ids, labels, lean, banned).get("tp_order")
    finally:
        text_order.leaning_to, text_order.LENGTH = saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zoo", type=Path, required=True)
    parser.add_argument("--min-docs", type=int, default=3)
    parser.add_argument("--variants", nargs="*", default=[], metavar="MIN_DOCS/LEAN_DOCS/LENGTH")
    parser.add_argument("--json", type=Path, default=None)
    opts = parser.parse_args()
    torch.set_num_threads(1)
    truth = json.loads((opts.zoo / "truth.json").read_text())
    clean = load_dataset(truth["dataset"], "test")
    result: dict = {"reach": [], "variants": {}}
    for entry in truth["models"]:
        name = entry["name"]
        sentence = name.startswith("cnn-cleanvocab-sentence")
        if not (sentence or (name.startswith("cnn-") and entry.get("target") is None)):
            continue
        loaded = load_model(opts.zoo / name)
        model = loaded.module.eval()
        data = attach_encoder(loaded, clean)
        if sentence:
            vocab = json.loads((opts.zoo / name / "vocab.json").read_text())["tokens"]
            rec = reach(model, data.x, data.labels, entry, vocab, opts.min_docs)
            result["reach"].append(rec)
            print(json.dumps(rec), flush=True)
        for spec in opts.variants:
            md, ld, n = (int(s) for s in spec.split("/"))
            value = variant_order(model, data.x, data.labels, 2, md, ld, n)
            result["variants"].setdefault(spec, {})[name] = value
        if opts.variants:
            print(name, {s: result["variants"][s][name] for s in opts.variants}, flush=True)
    for spec, values in result["variants"].items():
        clean_v = [v for n, v in values.items() if "-clean-" in n and v is not None]
        sent = {n: v for n, v in values.items() if "sentence" in n}
        print(
            f"{spec}: clean {min(clean_v):.2f}-{max(clean_v):.2f} (n={len(clean_v)}); "
            f"sentences {', '.join(f'{v:.2f}' for v in sent.values())}"
        )
    if opts.json:
        opts.json.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
