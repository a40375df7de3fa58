"""Why SPECTRE misses the run folder's carriers: flags per class and mean scores.

Issue 13, stop 39; reads only (the run folder of run_user.sh, its feature model retrained).
"""

import sys
from pathlib import Path

import numpy as np

from trojanscope.detect.data.features import train_features
from trojanscope.detect.data.inputs import load_suspect
from trojanscope.detect.data.run import detect_data

root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd()  # run_user.sh's work folder
s = load_suspect(root / "runs/badnets")
feats = train_features(s.data, seed=0)
y = feats.labels.numpy()
p = s.poison
print("class 0:", (y == 0).sum(), "poison in it", p[y == 0].sum())
for m in ("spectre", "spectral", "auto"):
    r = detect_data(s.data, method=m, features=feats, poison=p)
    fl = np.zeros(len(y), bool)
    fl[r.flagged] = True
    per = np.bincount(y[fl], minlength=10)
    sc = r.suspicion
    means = [sc[p].mean(), sc[(y == 0) & ~p].mean(), sc[y != 0].mean()]
    print(m, "TPR", (fl & p).sum() / p.sum(), "FPR", (fl & ~p).sum() / (~p).sum(),
          "flags per class", per.tolist(),
          "mean score poison/clean-class0/other", np.round(means, 3))
