"""Name each model's architecture from the model itself (issue 15, stop 35;
:func:`trojanscope.detect.text_arch.text_architecture`) for every model of some text zoos, so
that rows computed before the detector named architectures can be standardised by
``text_lift_arch_score.py``. Prints each name against the recipe prefix of the model's folder
name (the zoo's own label, shown as a check only; the name is read from the model).

    python benchmarks/text_arch_names.py zoo/text-fdev1600 ... --json names.json
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

import torch

from trojanscope.data import load_dataset
from trojanscope.detect.text_arch import text_architecture
from trojanscope.io.models import load_model
from trojanscope.models.text_common import attach_encoder

SENTENCES = 48  # rt-polarity test sentences read by the order check


def name_zoo(zoo: Path, texts) -> dict[str, str]:
    """Each model folder of ``zoo`` -> its architecture's name."""
    out = {}
    for folder in sorted(p for p in zoo.iterdir() if (p / "manifest.json").is_file()):
        loaded = load_model(folder)
        ids = attach_encoder(loaded, texts).x[:SENTENCES]
        out[folder.name] = text_architecture(loaded.module.eval(), ids)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("zoos", type=Path, nargs="+")
    parser.add_argument("--json", type=Path, required=True)
    opts = parser.parse_args()
    torch.set_num_threads(1)
    texts = load_dataset("rt-polarity", "test")
    names = {zoo.name: name_zoo(zoo, texts) for zoo in opts.zoos}
    pairs = Counter((m.split("-")[0], a) for zoo in names.values() for m, a in zoo.items())
    for (prefix, arch), n in sorted(pairs.items()):
        print(f"folder prefix {prefix}: {arch} x {n}", file=sys.stderr)
    opts.json.write_text(json.dumps(names, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
