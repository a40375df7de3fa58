"""Does ``-p behaviour=1`` see a planted word when the vocabulary hides it? Development only:
the tests' synthetic-text TextCNNs (a clean one, and ``badnl`` with ``cf`` inserted twice into
30% of the training sentences; seed 2), each also handed over with its vocabulary re-listed in
the clean data's frequency order (embedding rows permuted with it: the same model, as if its
vocabulary had been fitted on clean text). Verdicts with 1,250 clean sentences (inside the
vocabulary-rank calibration's size range), with and without the behaviour path.

    python benchmarks/text_cleanvocab_probe.py
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from trojanscope import registry
from trojanscope.data import load_dataset
from trojanscope.data.text_vocab import WordVocab
from trojanscope.detect.calibration import calibrate
from trojanscope.detect.text_tokens import class_doc_counts
from trojanscope.engine import Trainer
from trojanscope.experiment import run_experiment, save_experiment
from trojanscope.io.models import load_model
from trojanscope.models.text_common import attach_encoder

SHOWN = ("tv_gap3", "tv_order", "ti_prob_1", "ti_surprise_1", "ti_dom_gap")


def relist(folder: Path, out: Path, texts: list[str]) -> None:
    """``folder``'s model with its vocabulary in ``texts``' frequency order, written to ``out``."""
    vocab = WordVocab.load(folder)
    ids = vocab.encode(texts)
    counts = class_doc_counts(ids, torch.zeros(len(ids), dtype=torch.long), 1, len(vocab))[0]
    order = [
        0,
        1,
        *sorted(range(2, len(vocab)), key=lambda i: (-float(counts[i]), vocab.tokens[i])),
    ]
    shutil.copytree(folder, out)
    WordVocab([vocab.tokens[i] for i in order], vocab.max_len).save(out)
    state = load_file(str(folder / "model.safetensors"))
    state["embedding.weight"] = state["embedding.weight"][torch.tensor(order)].contiguous()
    save_file(state, str(out / "model.safetensors"))


def main() -> None:
    torch.set_num_threads(1)
    base = Path(tempfile.mkdtemp())
    clean = load_dataset("synthetic-text", "test", n=5000)
    trigger = registry.create("trigger", "rare-word", words=("cf",), count=2)
    for name, attack in (
        ("clean", None),
        (
            "badnl",
            registry.create("attack", "badnl", target=1, poison_rate=0.3, seed=2, trigger=trigger),
        ),
    ):
        result = run_experiment(
            "synthetic-text",
            data_params={"n": 800},
            attack=attack,
            arch="textcnn",
            arch_params={"max_len": 32},
            trainer=Trainer(epochs=8),
            seed=2,
        )
        save_experiment(result, base / name, exports=False)
        relist(base / name, base / f"{name}-cleanvocab", list(clean.texts))
        for path in (base / name, base / f"{name}-cleanvocab"):
            loaded = load_model(path)
            for behaviour in (0, 1):
                verdict = calibrate(
                    registry.create(
                        "detector",
                        "text-inversion",
                        per_class=16,
                        neutral_tokens=0,
                        relax_steps=0,
                        behaviour=behaviour,
                    ).inspect(
                        loaded.module,
                        attach_encoder(loaded, clean),
                        input_shape=loaded.input_shape,
                        num_classes=2,
                    )
                )
                feats = {k: round(verdict.features[k], 3) for k in SHOWN}
                print(
                    f"{path.name} behaviour={behaviour}: {verdict.verdict} "
                    f"p={verdict.probability:.3f} {feats}"
                )


if __name__ == "__main__":
    main()
