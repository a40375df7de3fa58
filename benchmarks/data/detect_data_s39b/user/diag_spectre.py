"""Why SPECTRE misses the run folder's carriers: flags per class and mean scores (issue 13, stop 39; reads only)."""
import numpy as np
from trojanscope.detect.data.inputs import load_suspect
from trojanscope.detect.data.run import detect_data
from trojanscope.detect.data.features import train_features
s = load_suspect("/tmp/h13bs39/user/runs/badnets")
feats = train_features(s.data, seed=0)
y = feats.labels.numpy(); p = s.poison
print("class 0:", (y == 0).sum(), "poison in it", p[y == 0].sum())
for m in ("spectre", "spectral", "auto"):
    r = detect_data(s.data, method=m, features=feats, poison=p)
    fl = np.zeros(len(y), bool); fl[r.flagged] = True
    per = np.bincount(y[fl], minlength=10)
    sc = r.suspicion
    print(m, "TPR", (fl & p).sum() / p.sum(), "FPR", (fl & ~p).sum() / (~p).sum(), "flags per class", per.tolist(),
          "mean score poison/clean-class0/other", sc[p].mean().round(3), sc[(y == 0) & ~p].mean().round(3), sc[y != 0].mean().round(3))
