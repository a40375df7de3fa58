#!/bin/bash
# Issue 9, stop 81 (h9c): fresh first-contact seeds 404-417 with stop 80 h9c's recipe (its seeds
# 376-389 + 28: benchmarks/data/lean_probe_s80_h9c/buildA.sh), part A. W: the folder to build in.
cd "$(git rev-parse --show-toplevel)"
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks HF_HUB_OFFLINE=1
PY=${PY:-/work/main/.venv/bin/python}
B="$PY benchmarks/user_cnn_s72_h9u.py build ${W:-/tmp/h9c81/fresh}"
$B --seeds 404 405 406 407 408 409 410 --kinds clean
$B --seeds 404 405 406 --kinds patch --target 7 --rate 0.03
$B --seeds 407 --kinds patch --target 7 --rate 0.02
$B --seeds 408 409 410 --kinds patch --target 2 --rate 0.03
$B --seeds 414 --kinds patch --target 2 --rate 0.02
