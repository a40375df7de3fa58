#!/bin/bash
# strip-text's development reading (issue 15, stop 49, h15a): keep matrices of MiniLM
# addsent-3176 (stop 48's h15c folder) and TextCNN addsent-3136 / badnl-3139 (h15b's), then the
# simulated settings of each (strip_text_keep_report.py), JSON under OUTDIR.
#   bash benchmarks/strip_text_keep_dev.sh WORK OUTDIR
set -u
REPO=$(cd "$(dirname "$0")/.." && pwd)
WORK=$1; OUT=$2
mkdir -p "$WORK" "$OUT"
export PYTHONPATH=$REPO/src OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
PY=${PYTHON:-python}
declare -A FOLDER=([addsent-3176]=/tmp/h15cs48/minilm/addsent-3176
                   [textcnn-addsent-3136]=/tmp/h15bs48/textcnn/addsent-3136
                   [textcnn-badnl-3139]=/tmp/h15bs48/textcnn/badnl-3139)
for m in addsent-3176 textcnn-addsent-3136 textcnn-badnl-3139; do
  [ -f "$WORK/$m.pt" ] || nice -n 5 "$PY" "$REPO/benchmarks/strip_text_keep_matrix.py" \
    "${FOLDER[$m]}" --pool 16 --out "$WORK/$m.pt"
done
TRIG=(--trigger-ids 1045 3427 2023 7605 3185)  # "I watched this 3D movie" in MiniLM's vocabulary
"$PY" "$REPO/benchmarks/strip_text_keep_report.py" "$WORK/addsent-3176.pt" --n 8 16 --draws 200 \
  "${TRIG[@]}" --json "$OUT/dev_keep_addsent-3176.json" > /dev/null
for sc in drop ratio; do
  "$PY" "$REPO/benchmarks/strip_text_keep_report.py" "$WORK/addsent-3176.pt" --n 8 --draws 200 \
    --score $sc "${TRIG[@]}" --json "$OUT/dev_keep_addsent-3176_$sc.json" > /dev/null
done
for m in textcnn-addsent-3136 textcnn-badnl-3139; do
  for sc in keep drop ratio; do
    "$PY" "$REPO/benchmarks/strip_text_keep_report.py" "$WORK/$m.pt" --n 8 --draws 50 \
      --score $sc --json "$OUT/dev_keep_${m}_$sc.json" > /dev/null
  done
done
echo done
