#!/bin/bash
# Issue 9, stop 80 (h9sig): the one reading of a fresh zoo's kept models not yet read, only
# past the gate ($RUN/GO, made by hand after the rule's commit): each once by the user's
#   trojanscope detect MODEL.pt --data clean.npz -p blend=true -p sig_probe=true --format json
# (outside_zoo_score.py --max 1, one torch thread; stop 79's read.sh). Today's verdict is the
# report under today's shipped file, the candidate's the same report under the candidate file.
# One reader per zoo folder (slot.sh assigns them), so no model is read twice.
#   bash benchmarks/data/outside_s80_h9sig/read.sh RUN ZOO
set -u
RUN=$1; ZOO=$2
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=$PWD/src:$PWD/benchmarks
PY=${PY:-/work/main/.venv/bin/python}
TOOL="$(dirname "$PY")/trojanscope"
OUT="$RUN/detect_$ZOO.jsonl"
[ -f "$RUN/GO" ] || exit 0
[ -f "$RUN/$ZOO/truth.json" ] || exit 0
kept() { "$PY" -c "import json,sys; print(sum(m.get('kept', True) for m in json.load(open(sys.argv[1]))['models']))" "$RUN/$ZOO/truth.json" 2>/dev/null || echo 0; }
read_n() { [ -f "$OUT" ] && wc -l < "$OUT" || echo 0; }
for _ in $(seq 40); do
  before=$(read_n)
  [ "$(kept)" -gt "$before" ] || exit 0
  nice -n 5 "$PY" benchmarks/outside_zoo_score.py "$RUN/$ZOO" --out "$OUT" --trojanscope "$TOOL" \
      --detect-option=-p --detect-option=blend=true --detect-option=-p \
      --detect-option=sig_probe=true --max 1
  [ "$(read_n)" -gt "$before" ] || exit 0
done
