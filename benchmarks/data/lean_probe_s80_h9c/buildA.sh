#!/bin/bash
# fresh first-contact seeds 376-389 with stop 79 h9c's recipe (its seeds 317-330 + 59), part A
cd /work/wt/h9c
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks HF_HUB_OFFLINE=1
PY=/work/main/.venv/bin/python
B="$PY benchmarks/user_cnn_s72_h9u.py build /tmp/h9c80/fresh"
$B --seeds 376 377 378 379 380 381 382 --kinds clean
$B --seeds 376 377 378 --kinds patch --target 7 --rate 0.03
$B --seeds 379 --kinds patch --target 7 --rate 0.02
$B --seeds 380 381 382 --kinds patch --target 2 --rate 0.03
$B --seeds 386 --kinds patch --target 2 --rate 0.02
