#!/bin/bash
# Issue 9, stop 82 (h9c): fresh first-contact seeds 434-447 with stop 81 h9c's recipe (its seeds
# 404-417 + 30: benchmarks/data/weak_patch_s81_h9c/buildB.sh), part B. W: the folder to build in.
cd "$(git rev-parse --show-toplevel)"
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks HF_HUB_OFFLINE=1
PY=${PY:-/work/main/.venv/bin/python}
B="$PY benchmarks/user_cnn_s72_h9u.py build ${W:-/tmp/h9c82/fresh}"
$B --seeds 441 442 443 444 445 446 447 --kinds clean
$B --seeds 441 442 443 --kinds patch --target 5 --rate 0.03
$B --seeds 441 443 445 447 --kinds patch --target 0 --rate 0.03
$B --seeds 442 444 --kinds patch --target 4 --rate 0.03
$B --seeds 446 --kinds patch --target 9 --rate 0.03
$B --seeds 434 436 --kinds patch --target 3 --rate 0.03
