#!/bin/bash
# Issue 9, stop 82 (h9c): fresh first-contact seeds 434-447 with stop 81 h9c's recipe (its seeds
# 404-417 + 30: benchmarks/data/weak_patch_s81_h9c/buildA.sh), part A. W: the folder to build in.
cd "$(git rev-parse --show-toplevel)"
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks HF_HUB_OFFLINE=1
PY=${PY:-/work/main/.venv/bin/python}
B="$PY benchmarks/user_cnn_s72_h9u.py build ${W:-/tmp/h9c82/fresh}"
$B --seeds 434 435 436 437 438 439 440 --kinds clean
$B --seeds 434 435 436 --kinds patch --target 7 --rate 0.03
$B --seeds 437 --kinds patch --target 7 --rate 0.02
$B --seeds 438 439 440 --kinds patch --target 2 --rate 0.03
$B --seeds 444 --kinds patch --target 2 --rate 0.02
