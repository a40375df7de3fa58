#!/bin/bash
# stop 68 (hrev): CLI lines on hcmd's seed-76 files (read only), one at a time: exit, wall s, last line.
# usage: bash lines.sh SRC  (run from the repository root; output under /tmp/hrev/s68/lines)
SRC=$1; U=/tmp/hcmd/s68/user; O=/tmp/hrev/s68/lines; mkdir -p $O
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
run() {
  local start=$(date +%s.%N)
  PYTHONPATH=$SRC nice -n 5 /work/main/.venv/bin/python -m trojanscope "$@" > $O/out.txt 2> $O/err.txt
  local rc=$? end=$(date +%s.%N)
  printf '%s | exit %s | %.1f s | %s\n' "$*" $rc $(echo "$end - $start" | bc) \
    "$(cat $O/out.txt $O/err.txt | grep -v '^inspecting' | tail -1 | cut -c1-400)"
}
run detect $U/mlp/digits.onnx --data $U/flat.npz
run detect $U/mlp/digits.onnx --data $U/transactions.csv --label-column is_fraud
run audit $U/mlp/digits.onnx --data $U/transactions.csv --label-column is_fraud --report $O/report-narrow --no-history
run detect-inputs $U/mlp/digits.onnx $U/incoming.npz --data $U/clean.npz
run detect-data $U/clean.npz --model $U/mlp/digits.onnx
