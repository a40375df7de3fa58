#!/bin/bash
# strip-text's guard threshold (issue 15, stop 50, h15b): the fresh TextCNN runs of the rule, one
# heavy process at a time. Each seed's `badnl` and `addsent` in the README setting (rt-polarity,
# target 1; one CLI `attack` each: CA, ASR, wall time), each scored by
# strip_text_calibrate_rule.py (the candidate, then today's default, same split and seed; a JSON
# file per model, so what finished is kept), then the rule (strip_text_guard_rule.py).
#   bash benchmarks/strip_text_guard_runs.sh WORK OUTDIR "SEEDS" CAND...
set -u
REPO=$(cd "$(dirname "$0")/.." && pwd)
WORK=$1; OUT=$2; SEEDS=$3; shift 3
CAND=(); for c in "$@"; do CAND+=(--candidate "$c"); done
mkdir -p "$WORK" "$OUT"
export PYTHONPATH=$REPO/src OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
PY=${PYTHON:-python}
# shellcheck source=benchmarks/_train_textcnn.sh
. "$REPO/benchmarks/_train_textcnn.sh"
SCORED=()
for s in $SEEDS; do
  for a in badnl addsent; do
    train_textcnn "$WORK" "$OUT" $a "$s" || continue
    nice -n 10 "$PY" "$REPO/benchmarks/strip_text_calibrate_rule.py" score "$WORK/$a-$s" \
      "${CAND[@]}" --only candidate default --json "$OUT/inputs_textcnn_$a-$s.json" > /dev/null \
      && SCORED+=("$OUT/inputs_textcnn_$a-$s.json")
    echo "scored $a-$s $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" | tee -a "$OUT/walls.txt"
  done
done
"$PY" "$REPO/benchmarks/strip_text_guard_rule.py" "${SCORED[@]}" --json "$OUT/rule.json"
echo done
