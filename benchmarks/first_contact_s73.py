"""First contact at stop 73: a user's files drawn with the fresh seed **104** (stop 72's makers:
a 200-image ``.npz`` under ``x``/``y``, an image folder, a 300-row credit-like CSV with a label
column and XGBoost / LightGBM files on it, hub-style folders, the user's CNN traced, scripted and
exported to ONNX, the scikit-learn MLP exported by skl2onnx, ``models/``), and this stop's text
and tree model files as a user would have them:

- ``bin-hf-model/``: the user's DistilBERT folder (``other-hf-model/``) with its weights as
  ``pytorch_model.bin`` (``torch.save`` of the state dict: what ``save_pretrained`` wrote
  before safetensors, and what older hub downloads hold; transformers 5 writes safetensors
  only);
- ``word-model/``: a Kim CNN trained by a plain PyTorch loop on ``reviews.csv`` (its own
  vocabulary, ``benchmarks/foreign_text_zoo.py``'s model and loop) and handed over as
  docs/text.md says (``model.safetensors``, ``vocab.json``, ``manifest.json``);
- ``pipe/``: a scikit-learn pipeline (``SimpleImputer``, ``StandardScaler``, then
  ``GradientBoostingClassifier``)
  fitted on ``tab/clean.csv``, saved by ``joblib.dump`` (``fraud-pipeline.joblib``) and by
  ``pickle.dump`` (``fraud-pipeline.pkl``), with the table as ``clean.csv``;
- ``images/`` written once (stop 72's "Named" (3): stops 61's and 70's makers each wrote
  ``clean.npz``'s 200 images into it, as ``0005.png`` and ``5.png``, so it held 400).

    PYTHONPATH=SKL2ONNX:src:benchmarks python benchmarks/first_contact_s73.py WORK --make \
        --model-run RUN
    python benchmarks/first_contact_s73.py WORK --lines LINES --timeout 400 --keep DIR
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

from first_contact_s52 import main
from first_contact_s72 import make as make_s72

SEED = 104


def bin_hub_folder(work: Path) -> None:
    """``bin-hf-model/`` (the module docstring)."""
    import torch
    from transformers import AutoModelForSequenceClassification

    source, folder = work / "other-hf-model", work / "bin-hf-model"
    model = AutoModelForSequenceClassification.from_pretrained(source, local_files_only=True)
    shutil.copytree(source, folder, dirs_exist_ok=True)
    (folder / "model.safetensors").unlink()
    torch.save(model.state_dict(), folder / "pytorch_model.bin")


def word_model(work: Path, seed: int = SEED) -> None:
    """``word-model/`` (the module docstring)."""
    import torch
    from safetensors.torch import save_file

    from foreign_text_zoo import MAX_LEN, KimCNN, encode, fit_vocab, tokenize, train

    with open(work / "reviews.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    sents = [tokenize(r["review"]) for r in rows]
    labels = torch.tensor([0 if r["stars"] == "1" else 1 for r in rows])
    vocab = fit_vocab("cnn-min2", sents, sents)
    torch.manual_seed(seed)
    model = KimCNN(len(vocab))
    train(model, encode(sents, {w: j for j, w in enumerate(vocab)}), labels, "cnn-min2", seed)
    arch, args, state = model.handover()
    folder = work / "word-model"
    folder.mkdir(exist_ok=True)
    save_file({k: v.contiguous() for k, v in state.items()}, str(folder / "model.safetensors"))
    (folder / "vocab.json").write_text(
        json.dumps({"kind": "word-vocab", "max_len": MAX_LEN, "tokens": vocab}) + "\n")
    manifest = {"arch": {"name": arch, "args": {**args, "max_len": MAX_LEN}},
                "input_shape": [MAX_LEN], "class_names": ["1", "5"],
                "text": {"encoder": "word-vocab", "max_len": MAX_LEN}}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


def sklearn_pipeline(work: Path, seed: int = SEED) -> None:
    """``pipe/`` (the module docstring)."""
    import pickle

    import joblib
    import pandas as pd
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    folder = work / "pipe"
    folder.mkdir(exist_ok=True)
    table = pd.read_csv(work / "tab" / "clean.csv")
    pipe = make_pipeline(SimpleImputer(), StandardScaler(),
                         GradientBoostingClassifier(n_estimators=30, max_depth=3,
                                                    random_state=seed))
    pipe.fit(table.drop(columns=["is_fraud"]), table["is_fraud"])
    joblib.dump(pipe, folder / "fraud-pipeline.joblib")
    with open(folder / "fraud-pipeline.pkl", "wb") as fh:
        pickle.dump(pipe, fh)
    shutil.copy(work / "tab" / "clean.csv", folder / "clean.csv")


def images_once(work: Path) -> None:
    """``images/``: ``clean.npz``'s 200 images, once (the module docstring)."""
    import numpy as np

    from first_contact_own import image_folder

    shutil.rmtree(work / "images", ignore_errors=True)
    data = np.load(work / "clean.npz")
    image_folder(work / "images", data["x"], data["y"])


def make(work: Path, model_run: Path, seed: int = SEED) -> None:
    """Stop 72's files with ``seed``, then this stop's text and tree files."""
    make_s72(work, model_run, seed)
    images_once(work)
    bin_hub_folder(work)
    word_model(work, seed)
    sklearn_pipeline(work, seed)


if __name__ == "__main__":
    main(make, __doc__)
