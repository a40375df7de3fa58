#!/bin/bash
# stop 66 hrev: the ONNX early refusal before and after the protobuf_wire fold, main's src then
# the branch's, twice each, then whether torch or onnx was imported (imported.py).
# Run as: bash timing.sh MAIN_SRC BRANCH_SRC FOLDER (FOLDER: model.onnx, transactions.csv)
HERE=$(dirname "$(readlink -f "$0")")
cd "$3" && export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
for src in "$1" "$2"; do
  for i in 1 2; do
    /usr/bin/time -f "%e s wall, %U s user, exit %x" env PYTHONPATH=$src \
      /work/main/.venv/bin/python -m trojanscope detect model.onnx --data transactions.csv \
      --label-column is_fraud 2>&1 | tail -1 | sed "s|^|$src: |"
  done
  echo "$src: torch, onnx imported: $(PYTHONPATH=$src /work/main/.venv/bin/python "$HERE/imported.py" \
    detect model.onnx --data transactions.csv 2>&1 | tail -1)"
done
