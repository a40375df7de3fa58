#!/bin/bash
# Issue 9, stop 80 (h9sig): keep the development runs and truth (dev.sh - dev4.sh, spent seeds)
# under dev/ and read the variants on every spent GAP head (outside_sig_kinds.py dev: dev80.txt /
# .json), writing the chosen candidate (cal_kinds.json) and the heads of the two kinds (heads80.txt).
#   bash benchmarks/data/outside_s80_h9sig/dev_read.sh
set -u
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
DEV=${DEV:-/tmp/h9sig80/dev}
O=benchmarks/data/outside_s80_h9sig
mkdir -p "$O/dev"
A=()
for f in "$DEV"/detect_zoo-*.jsonl; do
  z=$(basename "$f" .jsonl); z=${z#detect_}
  gzip -nc "$f" > "$O/dev/detect_${z}_runs.jsonl.gz"
  gzip -nc "$DEV/$z/truth.json" > "$O/dev/${z}_truth.json.gz"
  cp "$DEV/build_$z.log" "$DEV/score_$z.log" "$O/dev/" 2>/dev/null
  A+=(--dev80 "${z}d=$O/dev/detect_${z}_runs.jsonl.gz,$O/dev/${z}_truth.json.gz")
done
cp "$DEV/dev.log" "$O/dev/"
"$PY" benchmarks/outside_sig_kinds.py dev "${A[@]}" --today "$O/cal_today.json" \
    --json "$O/dev80.json" --write "$O/cal_kinds.json" > "$O/dev80.txt"
"$PY" benchmarks/outside_sig_kinds.py heads "${A[@]}" --today "$O/cal_today.json" > "$O/heads80.txt"
