#!/bin/bash
# Issue 9, stop 81 (h9c): fresh first-contact seeds 404-417 with stop 80 h9c's recipe (its seeds
# 376-389 + 28: benchmarks/data/lean_probe_s80_h9c/buildB.sh), part B. W: the folder to build in.
cd "$(git rev-parse --show-toplevel)"
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks HF_HUB_OFFLINE=1
PY=${PY:-/work/main/.venv/bin/python}
B="$PY benchmarks/user_cnn_s72_h9u.py build ${W:-/tmp/h9c81/fresh}"
$B --seeds 411 412 413 414 415 416 417 --kinds clean
$B --seeds 411 412 413 --kinds patch --target 5 --rate 0.03
$B --seeds 411 413 415 417 --kinds patch --target 0 --rate 0.03
$B --seeds 412 414 --kinds patch --target 4 --rate 0.03
$B --seeds 416 --kinds patch --target 9 --rate 0.03
$B --seeds 404 406 --kinds patch --target 3 --rate 0.03
