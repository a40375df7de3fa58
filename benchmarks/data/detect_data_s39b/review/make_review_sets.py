"""The review's small sets (stop 39 first contact): ``train200.npz`` (the first 200 sklearn
digits, 8x8 upscaled to 1x28x28, 19-21 per class) and ``tiny.npz`` (its first 12 images,
labels 0,1,2 repeated: 4 per class). No randomness. Usage: make_review_sets.py WORK."""

import sys
from pathlib import Path

import numpy as np
from scipy.ndimage import zoom
from sklearn.datasets import load_digits

out = Path(sys.argv[1])
d = load_digits()
x = np.stack([zoom(im / 16.0, 3.5, order=1) for im in d.images[:200]]).astype(np.float32)[:, None]
np.savez(out / "train200.npz", x=x, y=d.target[:200].astype(np.int64))
np.savez(out / "tiny.npz", x=x[:12], y=(np.arange(12) % 3).astype(np.int64))
print(x.shape, np.bincount(d.target[:200]).tolist())
