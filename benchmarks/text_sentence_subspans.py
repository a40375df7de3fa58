"""What an inserted sentence's words do in a Kim CNN (issue 15, stop 36): for each backdoored
``sentence`` model of a foreign text zoo, the mean logit margin of the target class over 48
clean sentences of the other class (the rt-polarity test split; span inserted first) with the
best contiguous sub-span of the true sentence of each length, and the margin with nothing
inserted. Measurement only (the true trigger is read from ``truth.json``).

    python benchmarks/text_sentence_subspans.py zoo/text-foreign1900 ... --json out.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from trojanscope.data import load_dataset
from trojanscope.detect.text_order import exact_margin
from trojanscope.io.models import load_model
from trojanscope.models.text_common import attach_encoder


def subspans(folder: Path, entry: dict, clean) -> dict:
    loaded = load_model(folder)
    model = loaded.module.eval()
    data = attach_encoder(loaded, clean)
    t = int(entry["target"])
    with torch.no_grad():
        pred = model(data.x).argmax(1)
    others = data.x[pred != t]
    gen = torch.Generator().manual_seed(0)
    x = others[torch.randperm(len(others), generator=gen)[:48]][:, :40]
    vocab = json.loads((folder / "vocab.json").read_text())["tokens"]
    index = {w: i for i, w in enumerate(vocab)}
    trig = [index.get(w, 1) for w in entry["trigger"]["words"]]
    out = {"name": entry["name"], "target": t, "base": exact_margin(model, x, t, [[]], 0)[0]}
    for n in range(1, len(trig) + 1):
        subs = [trig[i : i + n] for i in range(len(trig) - n + 1)]
        m = exact_margin(model, x, t, subs, 0)
        best = max(range(len(m)), key=m.__getitem__)
        out[str(n)] = {"margin": m[best], "words": [vocab[w] for w in subs[best]]}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("zoos", type=Path, nargs="+")
    parser.add_argument("--json", type=Path, required=True)
    opts = parser.parse_args()
    torch.set_num_threads(1)
    clean = load_dataset("rt-polarity", "test")
    rows = []
    for zoo in opts.zoos:
        for e in json.loads((zoo / "truth.json").read_text())["models"]:
            if e.get("arch") == "textcnn" and e.get("attack") == "sentence":
                rows.append({"zoo": zoo.name, **subspans(zoo / e["name"], e, clean)})
                print(json.dumps(rows[-1]), flush=True)
    by_len: dict[str, list[float]] = {}
    for r in rows:
        for n in range(1, 8):
            if str(n) in r:
                by_len.setdefault(str(n), []).append(r[str(n)]["margin"])
    summary = {n: [round(min(v), 2), round(max(v), 2)] for n, v in by_len.items()}
    summary["none"] = [
        round(min(r["base"] for r in rows), 2),
        round(max(r["base"] for r in rows), 2),
    ]
    print(json.dumps(summary))
    opts.json.write_text(json.dumps({"summary": summary, "models": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
