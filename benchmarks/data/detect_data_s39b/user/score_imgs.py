"""Score the image-folder run (`detect-data imgs/ --model vendor-model.onnx --format json`) against
the poison recorded by make_files.py: the folder is read class by class, files in name order, and
each file's name is its index in the .npz (issue 13, stop 39)."""

import json
import sys
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd()  # run_user.sh's work folder
doc = json.loads(
    (root / "detect_data_imgs____model_vendor_model_onnx___format_json_.out").read_text()
)
poison = np.load(root / "imgs_poison.npy")
classes = sorted((root / "imgs").iterdir(), key=lambda p: p.name)
order = [int(f.stem) for d in classes for f in sorted(d.iterdir(), key=lambda p: p.name)]
truth = poison[order]
flags = np.zeros(len(truth), bool)
flags[doc["flagged"]] = True
print(
    "samples",
    len(truth),
    "poison",
    int(truth.sum()),
    "flagged",
    int(flags.sum()),
    "TPR",
    (flags & truth).sum() / truth.sum(),
    "FPR",
    (flags & ~truth).sum() / (~truth).sum(),
    "AUC",
    roc_auc_score(truth, doc["suspicion"]),
    "targets",
    doc["target_classes"],
)
