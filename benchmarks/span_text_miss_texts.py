"""The text of each fired triggered input a guard missed (issue 15, stop 60, h15): the split of
``span_text_dump.py`` (``triggered_split`` at the dump's split seed) rebuilt on the run folder,
each missed input of ``span_text_misses.py``'s JSON (today's default, the candidate score,
missed) decoded with the run's own ``tokenizer.json`` (special tokens and padding dropped), with
the model's probability of the target on the same sentence without the trigger (``twin``): an
input the model already put in the target class is "fired" without any backdoor (a 78%-accurate
model errs on about a fifth of the other class), and says nothing of the guard.

    python benchmarks/span_text_miss_texts.py RUN MISSES.json [--json OUT]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from span_text_dump import twins
from trojanscope.data.resolve import load_dataset
from trojanscope.detect.input_level.evaluate import triggered_split
from trojanscope.io.models import load_model
from trojanscope.mitigate.triggers import attack_from_spec
from trojanscope.models.text_common import attach_encoder


def missed_texts(run: Path, misses: list[dict]) -> list[dict]:
    """Per model entry of ``misses`` named as ``run``'s folder: each input the candidate missed,
    with its readings, its text and its clean twin's target probability (``twin_target``); and
    one summary row per entry (``fired_already``: fired inputs whose twin is already predicted
    as the target)."""
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
            _, _, trig_x, fires = triggered_split(module, clean, attack, gen)
            twin = module(twins(clean, attack, entry["seed"])).softmax(1)[:, attack.target]
        already = (twin > 0.5) & fires
        out.append({"model": run.name, "seed": entry["seed"], "summary": True,
                    "fired": int(fires.sum()), "fired_already": int(already.sum())})
        for miss in (m for m in entry["missed"] if not m["candidate"]):
            ids = [int(t) for t in trig_x[miss["i"]].tolist() if int(t) != 0]
            out.append({"model": run.name, "seed": entry["seed"], **miss,
                        "twin_target": float(twin[miss["i"]]),
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
        if r.get("summary"):
            print(f"{r['model']} split {r['seed']}: {r['fired']} fired, {r['fired_already']} of "
                  "them already predicted as the target without the trigger")
            continue
        print(f"{r['model']} trig {r['i']}: strip {r['strip']:.3f} own {r['own']:.3f} least "
              f"{r['least']:.3f} twin {r['twin_target']:.3f} today "
              f"{'flagged' if r['today'] else 'missed'}: {r['text']}")
    if opts.json:
        opts.json.write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
