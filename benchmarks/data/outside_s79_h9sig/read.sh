#!/bin/bash
# Issue 9, stop 79 (h9sig): the one reading of a fresh zoo's models not yet read, called by
# run.sh's slots past the gate (after the rule's commit): each kept model once by the user's
#   trojanscope detect MODEL.pt --data clean.npz -p blend=true -p sig_probe=true --format json
# (outside_zoo_score.py --max 1, one torch thread). `blend` is today's default (on); `sig_probe`
# is off by default and read by no term of today's file, so today's verdict is that report under
# today's file and the candidate's the same report under the candidate file.
#   bash benchmarks/data/outside_s78_h9sig/read.sh RUN ZOO
set -u
RUN=$1; ZOO=$2
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=$PWD/src:$PWD/benchmarks
PY=${PY:-/work/main/.venv/bin/python}
TOOL="$(dirname "$PY")/trojanscope"
OUT="$RUN/detect_$ZOO.jsonl"
kept() { "$PY" -c "import json,sys; print(sum(m.get('kept', True) for m in json.load(open(sys.argv[1]))['models']))" "$RUN/$ZOO/truth.json" 2>/dev/null || echo 0; }
read_n() { [ -f "$OUT" ] && wc -l < "$OUT" || echo 0; }
for _ in $(seq 40); do
  before=$(read_n)
  [ "$(kept)" -gt "$before" ] || exit 0
  "$PY" benchmarks/outside_zoo_score.py "$RUN/$ZOO" --out "$OUT" --trojanscope "$TOOL" \
      --detect-option=-p --detect-option=blend=true --detect-option=-p \
      --detect-option=sig_probe=true --max 1
  [ "$(read_n)" -gt "$before" ] || exit 0
done
