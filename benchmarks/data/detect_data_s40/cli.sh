#!/bin/bash
# the plan's five whole-command runs (run from the checkout root)
set -e
S=benchmarks/data/detect_data_s40
for k in 2 6 10 14 17; do
  OMP_NUM_THREADS=1 PYTHONPATH=src .venv/bin/python benchmarks/bench_detect_data.py --seed-base 54500 \
    --methods auto --sets none --cli-time --cli-set $k --no-art --json $S/cli_$k.json
done
