#!/bin/bash
# stop 76 read-through (hrev): the changed user docs' commands, as a user would type them, on hcmd's seed-226 files
cd /tmp/hrev76/user
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=/work/wt/hrev/src
T() { echo "\$ trojanscope $*"; /usr/bin/time -f "%e s wall %U user" /work/main/.venv/bin/python -m trojanscope "$@" 2>&1 | tail -${TAILN:-25}; echo "--- exit ${PIPESTATUS[0]}"; uptime; }
# the data-free lines, on five of hcmd's seed-226 user models (two are refused: no input shape)
for m in mlp/digits.onnx cnn/digits-traced.pt models/digits-cnn.pt vendor-model runs/my-data; do
  T detect $m --data-free
done
# docs/tabular.md's attack line, run first and by hand in tabdoc/ (the page's 2,000-row table, hcmd's copy):
#   trojanscope attack --dataset transactions.csv --label-column is_fraud --arch lightgbm --attack tabular-badnets --out runs/mine-hrev
#   -> CA 74.75%, ASR 100.00%, flip 100.00% of 36, 18 rows poisoned, the chance note; 3.11 CPU s at load 13
# docs/certification.md's knn-filter line, in /tmp/hrev76/knn (knn_defence.out):
#   trojanscope attack --attack badnets --poison-rate 0.1 --defence knn-filter --out runs/knn
(cd tabdoc && T detect runs/mine-hrev --data transactions.csv)
(cd tabdoc && T detect runs/mine-hrev --data transactions.csv -m tabular-search --calibration /work/wt/hrev/benchmarks/data/tabular_s76_h16z/calibration_before_s76z.json)
(cd tabdoc && T detect runs/mine-hrev --data transactions.csv -m tabular-search --calibration benchmarks/data/tabular_s76_h16z/calibration_before_s76z.json)
