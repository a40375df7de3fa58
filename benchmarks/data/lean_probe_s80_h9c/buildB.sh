#!/bin/bash
# fresh first-contact seeds 376-389 with stop 79 h9c's recipe (its seeds 317-330 + 59), part B
cd /work/wt/h9c
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks HF_HUB_OFFLINE=1
PY=/work/main/.venv/bin/python
B="$PY benchmarks/user_cnn_s72_h9u.py build /tmp/h9c80/fresh"
$B --seeds 383 384 385 386 387 388 389 --kinds clean
$B --seeds 383 384 385 --kinds patch --target 5 --rate 0.03
$B --seeds 383 385 387 389 --kinds patch --target 0 --rate 0.03
$B --seeds 384 386 --kinds patch --target 4 --rate 0.03
$B --seeds 388 --kinds patch --target 9 --rate 0.03
$B --seeds 376 378 --kinds patch --target 3 --rate 0.03
