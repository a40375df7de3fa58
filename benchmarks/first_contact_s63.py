"""First contact at stop 63: every README Quickstart/tour line and the docs' text lines, run as
written on a user's files drawn with the fresh seed **71**, and the bad inputs a user makes.

- stop 61's files (``first_contact_s61.make``: 200 MNIST images as ``clean.npz`` and the README's
  other names, ``incoming.npz``, ``triggered.npz``, a 300-row ``transactions.csv`` and an
  XGBoost file made by plain xgboost code, a hub BERT folder written by transformers'
  ``save_pretrained`` (``downloaded-hf-model/``, ``my-model/``), a DistilBERT trained by a plain
  loop (``other-hf-model/``), a TorchScript and an ONNX CNN, a ViT folder, and the bad image
  files ``nan.npz``, ``small.npz``, ``bad-labels.npz``, ``one-class.npz``, ``no-y.npz``,
  ``broken.npz``, ``empty-images/``), with seed 71;
- stop 62's text files (``issue15_check_s62.text_files``: ``reviews.csv``, 2,500 rt-polarity
  training sentences under ``review``/``stars``, the MiniLM demo size; ``clean.csv``,
  ``incoming.csv`` with ``cf`` in every second sentence, and the bad CSVs ``empty.csv``,
  ``latin1.csv``, ``one-class.csv``, ``empty-incoming.csv``), with seed 71;
- this stop's bad inputs (:func:`bad_files`): ``corrupt.npz`` (random bytes), ``rgb.npz``
  (3x32x32 images), ``small-reviews.csv`` (60 rows of ``reviews.csv``), ``nan.csv`` (the
  table with one empty cell per column), and the ``vocab.txt``-only tokenizer folders
  ``big-vocab-hf-model/`` / ``small-vocab-hf-model/`` (``vocab.txt`` 1.5x / 0.3x the
  embedding, no ``tokenizer.json``).

``tokenizers.json`` records how many tokens each hub folder's tokenizer holds as transformers
loads it: stop 62 found that ``BertTokenizerFast(vocab_file=...)`` keeps BERT's 5 special
tokens only under transformers 5.x, and fixed the makers to pass the path positionally; this
is the re-run of that fix.

    python benchmarks/first_contact_s63.py WORK --make --model-run RUN
    python benchmarks/first_contact_s63.py WORK --lines LINES --timeout 900 --keep DIR
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from first_contact_s52 import main
from first_contact_s61 import make as make_s61
from issue15_check_s62 import text_files

SEED = 71
HUB = ("downloaded-hf-model", "my-model", "other-hf-model")


def tokenizer_sizes(work: Path) -> dict[str, dict[str, int]]:
    """Each hub folder's tokenizer size (transformers' ``AutoTokenizer``) beside the tokens its
    files list (``vocab.txt``, else ``tokenizer.json``'s vocabulary) and its config's
    ``vocab_size``."""
    from transformers import AutoTokenizer

    sizes = {}
    for name in HUB:
        folder = work / name
        config = json.loads((folder / "config.json").read_text())
        vocab = folder / "vocab.txt"  # transformers 5.x writes tokenizer.json alone
        written = (len(vocab.read_text(encoding="utf-8").splitlines()) if vocab.is_file()
                   else len(json.loads((folder / "tokenizer.json").read_text())["model"]["vocab"]))
        sizes[name] = {"tokenizer": len(AutoTokenizer.from_pretrained(str(folder))),
                       "vocab_written": written, "config_vocab_size": config["vocab_size"]}
    return sizes


def bad_files(work: Path, seed: int = SEED) -> None:
    """This stop's bad inputs (the module docstring), from the files already made."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    (work / "corrupt.npz").write_bytes(rng.integers(0, 256, 4096, dtype=np.uint8).tobytes())
    np.savez(work / "rgb.npz", x=rng.random((20, 3, 32, 32), dtype=np.float32),
             y=rng.integers(0, 10, 20))
    reviews = (work / "reviews.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (work / "small-reviews.csv").write_text("".join(reviews[:61]), encoding="utf-8")
    table = pd.read_csv(work / "tab" / "clean.csv")
    for n, column in enumerate(c for c in table.columns if c != "is_fraud"):
        table.loc[n, column] = np.nan
    table.to_csv(work / "tab" / "nan.csv", index=False)
    for name, share in (("big-vocab-hf-model", 1.5), ("small-vocab-hf-model", 0.3)):
        folder = work / name
        shutil.copytree(work / "downloaded-hf-model", folder, dirs_exist_ok=True)
        (folder / "tokenizer.json").unlink(missing_ok=True)
        size = json.loads((folder / "config.json").read_text())["vocab_size"]
        words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
        words += [f"tok{i}" for i in range(max(0, int(size * share) - len(words)))]
        (folder / "vocab.txt").write_text("\n".join(words) + "\n", encoding="utf-8")


def make(work: Path, model_run: Path, seed: int = SEED) -> None:
    """Stop 61's files and stop 62's text files with ``seed``, this stop's bad inputs, and
    ``tokenizers.json``."""
    make_s61(work, model_run, seed)
    text_files(work, seed)
    bad_files(work, seed)
    (work / "tokenizers.json").write_text(json.dumps(tokenizer_sizes(work), indent=2) + "\n")


if __name__ == "__main__":
    main(make, __doc__)
