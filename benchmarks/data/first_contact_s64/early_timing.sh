#!/bin/bash
# stop 64 (hcmd): refusals of bad numbers and bad data files under main's code (src of 54e67c73,
# `git archive 54e67c73 src`) and this branch's, line by line back to back (main first), in the
# seed-72 user folder; /usr/bin/time: wall s, user s, sys s, exit; then the error line each gave.
# Run as: bash early_timing.sh MAIN_SRC BRANCH_SRC WORK
cd "$3" && export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
while IFS= read -r c; do
  for src in "$1" "$2"; do
    /usr/bin/time -f "%e %U %S %x" -o /tmp/hcmd_early_t.txt env PYTHONPATH=$src nice -n 5 \
      /work/main/.venv/bin/python -m trojanscope $c >/dev/null 2>/tmp/hcmd_early_e.txt
    echo "$c | $([ $src = $1 ] && echo main || echo branch) | $(tail -1 /tmp/hcmd_early_t.txt) | $(grep -m1 '^error:' /tmp/hcmd_early_e.txt)"
  done
done <<'LINES'
detect-inputs model.onnx incoming.npz --data clean.npz --fpr 2
mitigate runs/badnets --data clean.npz --holdout 1.5 --out fixed-holdout/
attack --dataset my_data.npz --arch mlp --poison-rate 1.5 --out runs/bad-rate
train --dataset my_data.npz --arch mlp --lr 0 --out runs/bad-lr
serve model.onnx --data clean.npz --fpr 1
detect model.onnx --data corrupt.npz
detect model.onnx --data truncated.npz
detect model.onnx --data model.onnx
detect-data photo.csv --label-column is_fraud
audit vendor-model/ --data truncated.npz --report reports/vendor-trunc/
purify model.onnx single.npz --method shrinkpad --out purified-single.npz
detect ./other-hf-model/ --data reviews.csv
audit ./other-hf-model/ --data clean.npz --report reports/hf-npz/
attack --dataset my_data.npz --arch vgg --out runs/bad-arch
LINES
