"""From the red-team run folder runs/badnets: a 1,000-image .npz (x, y, poison) of its poisoned
training set, the same images as a PNG image folder, and its ONNX export as vendor-model.onnx."""
import shutil
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from trojanscope.detect.data.inputs import load_suspect

root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd()  # run_user.sh's work folder
s = load_suspect(root / "runs/badnets")
x, y = s.data.get_batch(torch.arange(len(s.data)))
x, y, poison = x.numpy(), y.numpy(), s.poison
idx = np.sort(np.random.default_rng(39).choice(len(y), 1000, replace=False))
x, y, poison = x[idx], y[idx], poison[idx]
print("images", len(y), "poison", int(poison.sum()), "shape", x.shape)
for name in ("training-set.npz", "train.npz"):
    np.savez(root / name, x=x, y=y, poison=poison)
imgs = root / "imgs"
shutil.rmtree(imgs, ignore_errors=True)
for i, (img, label) in enumerate(zip(x, y, strict=True)):
    d = imgs / str(int(label))
    d.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.round(img[0] * 255).astype(np.uint8), "L").save(d / f"{i:04d}.png")
np.save(root / "imgs_poison.npy", poison)  # by the index in each file name (0000.png: 0)
shutil.copy(root / "runs/badnets/model.onnx", root / "vendor-model.onnx")
