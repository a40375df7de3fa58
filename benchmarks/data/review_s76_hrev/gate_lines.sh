#!/bin/bash
# stop 76 read-through (hrev): the data-free mask gate as a user meets it, on two spent stop-75
# MLPs where it lowers (h9m's development rows: /tmp/h9m75/mlp/191/torch-clean.onnx, a plain
# torch loop's clean MLP, and 193/skl-clean.onnx), with SRC=/work/main/src (main) or this branch
SRC=${1:?SRC}; OUT=${2:?OUT}
mkdir -p /tmp/hrev76/g && cd /tmp/hrev76/g && cp -n /tmp/h9m75/mlp/191/torch-clean.onnx /tmp/h9m75/mlp/193/skl-clean.onnx .
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=$SRC
T() { echo "\$ trojanscope $*"; /usr/bin/time -f "%e s wall %U user" /work/main/.venv/bin/python -m trojanscope "$@" 2>&1 | grep -v '^[│┃┏┡└]'; echo "--- exit ${PIPESTATUS[0]}"; uptime; }
{ T detect torch-clean.onnx --data-free; rm -rf rep; T audit torch-clean.onnx --data-free --report rep | head -12; } > $OUT 2>&1
