"""The text of each fired triggered input a guard missed (issue 15, stop 60, h15): the split of
``span_text_dump.py`` (``triggered_split`` at the dump's split seed) rebuilt on the run folder,
each missed input of ``span_text_misses.py``'s JSON (today's default, the candidate score,
missed) decoded with the run's own ``tokenizer.json`` (special tokens and padding dropped).

    python benchmarks/span_text_miss_texts.py RUN MISSES.json [--json OUT]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from trojanscope.data.resolve import load_dataset
from trojanscope.detect.input_level.evaluate import triggered_split
from trojanscope.io.models import load_model
from trojanscope.mitigate.triggers import attack_from_spec
from trojanscope.models.text_common import attach_encoder


def missed_texts(run: Path, misses: list[dict]) -> list[dict]:
    """Per model entry of ``misses`` named as ``run``'s folder: each input the candidate missed,
    with its readings and its text."""
    from tokenizers import Tokenizer

    loaded = load_model(run)
    module = loaded.module.eval()
    clean = attach_encoder(loaded, load_dataset(loaded.manifest.dataset["name"], "test"))
    attack = attack_from_spec(loaded.manifest.attack)
    tok = Tokenizer.from_file(str(run / "tokenizer.json"))
    out = []
    for entry in (m for m in misses if m["model"] == run.name):
        gen = torch.Generator().manual_seed(entry["seed"])
        with torch.no_grad():
            _, _, trig_x, _ = triggered_split(module, clean, attack, gen)
        for miss in (m for m in entry["missed"] if not m["candidate"]):
            ids = [int(t) for t in trig_x[miss["i"]].tolist() if int(t) != 0]
            out.append({"model": run.name, "seed": entry["seed"], **miss,
                        "text": tok.decode(ids, skip_special_tokens=True)})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("misses", type=Path)
    parser.add_argument("--json", type=Path)
    opts = parser.parse_args()
    torch.set_num_threads(1)
    rows = missed_texts(opts.run, json.loads(opts.misses.read_text()))
    for r in rows:
        print(f"{r['model']} trig {r['i']}: strip {r['strip']:.3f} own {r['own']:.3f} least "
              f"{r['least']:.3f} today {'flagged' if r['today'] else 'missed'}: {r['text']}")
    if opts.json:
        opts.json.write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
