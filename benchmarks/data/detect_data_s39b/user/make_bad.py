"""Small bad-input files for detect-data (issue 13's list); seeded, no training."""
import sys
from pathlib import Path

import numpy as np

out = (Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd()) / "bad"  # in the work folder
out.mkdir(exist_ok=True)
rng = np.random.default_rng(39)
n = 60
x = rng.random((n, 1, 28, 28), dtype=np.float32)
y = np.arange(n) % 10
np.savez(out / "mismatch.npz", x=x, y=y[:-1])
np.savez(out / "outside.npz", x=x, y=np.where(np.arange(n) == 5, 12, y))  # a label 12 (model: 10)
np.savez(out / "negative.npz", x=x, y=np.where(np.arange(n) == 5, -1, y))
np.savez(out / "oneclass.npz", x=x, y=np.zeros(n, dtype=np.int64))
xn = x.copy()
xn[3, 0, 4, 4] = np.nan
np.savez(out / "nan.npz", x=xn, y=y)
np.savez(out / "few.npz", x=x[:5], y=y[:5])
np.savez(out / "wrongshape.npz", x=rng.random((n, 3, 32, 32), dtype=np.float32), y=y)
np.savez(out / "ok.npz", x=x, y=y)

# the two --model cases again with 200 samples (20 per class): at 60 (6 per class) the refusal
# of too few samples per class came first (run_user.sh's last loop, rerun by hand at 09:04 UTC)
rng = np.random.default_rng(40)
n = 200
x = rng.random((n, 1, 28, 28), dtype=np.float32)
y = np.arange(n) % 10
np.savez(out / "outside.npz", x=x, y=np.where(np.arange(n) == 5, 12, y))
np.savez(out / "wrongshape.npz", x=rng.random((n, 3, 32, 32), dtype=np.float32), y=y)
