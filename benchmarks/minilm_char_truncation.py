"""Split a character-level ``badnl`` MiniLM's ASR by whether its trigger survived the
tokenizer's cut at ``max_len`` (issue 15, stop 45): with ``zq`` on the last word, a triggered
sentence longer than ``max_len`` tokens loses the trigger, which caps the ASR whatever the
model learnt.

For each model folder (``zoo_entry.json`` beside the model, as ``make_minilm_zoo.py`` and
``minilm_attack_seeds.py --keep`` write it): the non-target sentences of ``--data`` (the zoo
CSV's 400-sentence test split), triggered as the run's ASR triggered them (the trigger
the model's manifest records), encoded at the model's ``max_len``; a sentence's trigger
survived when the last piece of the trigger (``##q`` for ``zq``) is among its ids.

    python benchmarks/minilm_char_truncation.py /tmp/h15as45/zoo/minilm3100/badnl-char-001 \
        --data /tmp/h15as45/zoo/minilm3100-data/test400.csv --json OUT.json
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import torch
from tokenizers import Tokenizer

from trojanscope.data.hf_tokenizer import HFTokenizer
from trojanscope.io.json_file import dumps
from trojanscope.io.models import load_model
from trojanscope.mitigate.triggers import attack_from_spec
from trojanscope.zoo import ZooEntry


def read_csv(path: Path, class_names: list[str]) -> tuple[list[str], list[int]]:
    """Texts and label indices of a ``text,label`` CSV (labels by class name)."""
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return [r["text"] for r in rows], [class_names.index(r["label"]) for r in rows]


def encode_with_survival(folder: Path, texts: list[str], chars: str,
                         max_len: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``texts`` encoded at ``max_len`` by ``folder``'s tokenizer, and per text whether the
    last WordPiece of ``chars`` (``##q`` for ``zq``) is still among its ids after the cut."""
    tok = HFTokenizer(folder, max_len)
    pieces = Tokenizer.from_file(str(folder / "tokenizer.json"))
    pieces.no_padding()
    pieces.no_truncation()
    last = pieces.encode(chars, add_special_tokens=False).tokens[-1]
    piece = pieces.token_to_id(last if last.startswith("##") else "##" + last)
    ids = tok.encode(texts)
    return ids, (ids == piece).any(dim=1)


def split_asr(folder: Path, data: Path) -> dict:
    """ASR over all triggered non-target sentences, and over those whose trigger survived the
    cut and those whose trigger was cut."""
    entry = ZooEntry(**json.loads((folder / "zoo_entry.json").read_text()))
    loaded = load_model(folder)
    attack = attack_from_spec(loaded.manifest.attack)  # the trigger as trained (its position)
    texts, labels = read_csv(data, list(loaded.class_names or []))
    keep = [t for t, y in zip(texts, labels, strict=True) if y != entry.target]
    max_len = int(entry.arch_params["max_len"])
    ids, survived = encode_with_survival(folder, attack.triggered_texts(keep),
                                         attack.trigger.chars, max_len)
    loaded.module.eval()
    with torch.no_grad():
        pred = torch.cat([loaded.module(ids[i:i + 64]).argmax(1) for i in range(0, len(ids), 64)])
    hit = pred == entry.target

    def rate(mask: torch.Tensor) -> float | None:
        return float(hit[mask].float().mean()) if bool(mask.any()) else None

    return {"model": entry.name, "position": getattr(attack.trigger, "position", None),
            "max_len": max_len, "n_triggered": len(keep),
            "n_trigger_cut": int((~survived).sum()), "asr": rate(torch.ones_like(hit)),
            "asr_trigger_survived": rate(survived), "asr_trigger_cut": rate(~survived),
            "recorded_asr": entry.metrics.get("attack_success_rate")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="+", type=Path)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--json", type=Path)
    opts = parser.parse_args()
    torch.set_num_threads(1)
    rows = []
    for folder in opts.models:
        rows.append(split_asr(folder, opts.data))
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    if opts.json:
        opts.json.write_text(dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
