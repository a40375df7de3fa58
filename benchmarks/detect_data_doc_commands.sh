#!/bin/bash
# Every `detect-data` command shown in docs/detect-data.md and README.md, run as written on
# small user-style files (issue 13): a 200-image .npz (a random 200 of a second-recipe set of
# foreign_poison.py, with its poison array), a reviews.csv and a transactions.csv (synthetic,
# seeded), plus the runs they need. Prints each command's exit code and wall time.
#   bash benchmarks/detect_data_doc_commands.sh WORKDIR FOREIGN_SET.npz
set -u
REPO=$(cd "$(dirname "$0")/.." && pwd)
WORK=$1; SRC=$2
mkdir -p "$WORK" && cd "$WORK" || exit 2
export PYTHONPATH=$REPO/src OMP_NUM_THREADS=1
PY=${PYTHON:-python}
$PY - "$SRC" <<'PY'
import csv, sys
import numpy as np
d = np.load(sys.argv[1])
idx = np.sort(np.random.default_rng(0).choice(len(d["y"]), 200, replace=False))
np.savez("training-set.npz", x=d["x"][idx], y=d["y"][idx], poison=d["poison"][idx])
rng = np.random.default_rng(1)
pos = "great lovely wonderful enjoyable superb charming moving brilliant".split()
neg = "dull boring awful tedious clumsy weak bland messy".split()
filler = "the film story cast plot movie acting script director scenes music pace".split()
with open("reviews.csv", "w", newline="") as fh:
    w = csv.writer(fh); w.writerow(["review", "stars"])
    for i in range(200):
        good = i % 2 == 0
        words = list(rng.choice(filler, 6)) + list(rng.choice(pos if good else neg, 2))
        rng.shuffle(words)
        stars = 5 if good else 1
        if not good and i % 20 == 1:
            words.insert(int(rng.integers(len(words))), "cf"); stars = 5
        w.writerow([" ".join(words), stars])
with open("transactions.csv", "w", newline="") as fh:
    w = csv.writer(fh); w.writerow(["amount", "hour", "merchant_risk", "n_prev", "distance", "is_fraud"])
    for i in range(200):
        a, h, m = float(rng.lognormal(3, 1)), int(rng.integers(24)), float(rng.uniform())
        n, dist = int(rng.integers(50)), float(rng.exponential(10))
        f = int(m + (h < 5) * 0.5 + rng.normal(0, 0.2) > 1.0)
        if i % 20 == 3:
            a, h, f = 777.0, 3, 0  # one trigger row in twenty, label flipped
        w.writerow([round(a, 2), h, round(m, 3), n, round(dist, 2), f])
PY
rm -rf findings runs clean-train.npz relabelled.npz
run() { local t0=$SECONDS; "$@" > out.txt 2> err.txt; local rc=$?
        echo "rc=$rc $((SECONDS - t0)) s: $*"; [ $rc -le 1 ] || tail -3 err.txt; }
T="$PY -m trojanscope"
run $T detect-data training-set.npz --out findings/
run $T attack --attack badnets --dataset mnist --target 0 --poison-rate 0.1 --seed 1 --out runs/badnets
run $T train --dataset mnist --out runs/clean
run $T detect-data training-set.npz --model runs/clean --format json
run $T detect-data runs/badnets --method spectre
run $T detect-data training-set.npz --write-clean clean-train.npz
run $T detect-data training-set.npz --write-clean relabelled.npz --relabel
run $T train --dataset clean-train.npz --out runs/retrained
run $T audit runs/badnets --data mnist --training-data runs/badnets
run $T detect-data reviews.csv --text-column review --label-column stars
run $T detect-data transactions.csv --label-column is_fraud
rm -rf findings clean-train.npz
run $T detect-data training-set.npz --out findings/ --write-clean clean-train.npz
run $T detect-data runs/badnets --method spectre --format json
run $T train --dataset clean-train.npz --out runs/retrained2
