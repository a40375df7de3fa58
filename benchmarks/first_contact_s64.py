"""First contact at stop 64: the four kinds of user file (a 200-image ``.npz``, a CSV table, a
text CSV with ``review``/``stars``, and a Hugging Face folder made by plain transformers code)
drawn with the fresh seed **72**, run through ``scan``, ``bom``, ``detect`` and ``audit`` as the
docs show them, and the bad inputs of this stop.

- stop 63's files (``first_contact_s63.make``, with seed 72): 200 MNIST images as ``clean.npz``
  and the README's other names, a 300-row ``transactions.csv`` and ``tab/`` with an XGBoost file
  trained by plain xgboost code, ``reviews.csv`` (2,500 rt-polarity sentences under
  ``review``/``stars``) and ``clean.csv``, ``other-hf-model/`` (a 2-layer DistilBERT trained by a
  plain loop on ``reviews.csv``, ``save_pretrained``, its tokenizer built positionally from a
  ``vocab.txt``), a tiny BERT as ``downloaded-hf-model/``, TorchScript and ONNX CNNs, and the
  bad files of stops 61 and 63;
- this stop's bad inputs (:func:`bad_files`): ``truncated.npz`` (the first half of
  ``clean.npz``), ``single.npz`` (a ``.npy`` array under an ``.npz`` name), ``no-x.npz`` (arrays
  ``a`` and ``b``), ``photo.png`` (one image of ``clean.npz`` as a PNG) and ``photo.csv`` (the
  same bytes named ``.csv``), ``utf16.csv`` (the table saved as UTF-16), ``notes.txt`` (50
  sentences one a line), and ``tab/photo.csv`` (the PNG again, beside the XGBoost file).

    python benchmarks/first_contact_s64.py WORK --make --model-run RUN
    python benchmarks/first_contact_s64.py WORK --lines LINES --timeout 600 --keep DIR
"""

from __future__ import annotations

import shutil
from pathlib import Path

from first_contact_s52 import main
from first_contact_s63 import make as make_s63

SEED = 72


def bad_files(work: Path, seed: int = SEED) -> None:
    """This stop's bad inputs (the module docstring), from the files already made."""
    import csv

    import numpy as np
    from PIL import Image

    raw = (work / "clean.npz").read_bytes()
    (work / "truncated.npz").write_bytes(raw[: len(raw) // 2])
    data = np.load(work / "clean.npz")
    with open(work / "single.npz", "wb") as fh:
        np.save(fh, data["x"])
    np.savez(work / "no-x.npz", a=data["x"], b=data["y"])
    pick = int(np.random.default_rng(seed).integers(len(data["x"])))
    Image.fromarray((data["x"][pick, 0] * 255).astype(np.uint8)).save(work / "photo.png")
    shutil.copyfile(work / "photo.png", work / "photo.csv")
    shutil.copyfile(work / "photo.png", work / "tab" / "photo.csv")
    table = (work / "transactions.csv").read_text(encoding="utf-8")
    (work / "utf16.csv").write_text(table, encoding="utf-16")
    with open(work / "clean.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    column = next(iter(rows[0]))
    (work / "notes.txt").write_text("".join(r[column] + "\n" for r in rows[:50]),
                                    encoding="utf-8")


def make(work: Path, model_run: Path, seed: int = SEED) -> None:
    """Stop 63's files with ``seed``, then this stop's bad inputs."""
    make_s63(work, model_run, seed)
    bad_files(work, seed)


if __name__ == "__main__":
    main(make, __doc__)
