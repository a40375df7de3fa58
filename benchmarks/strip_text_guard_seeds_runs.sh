#!/bin/bash
# strip-text's guard over several split seeds (issue 15, stop 51, h15b): the fresh TextCNN runs
# of the rule, one heavy process at a time. First every seed's `badnl` and `addsent` in the README
# setting (rt-polarity, target 1; one CLI `attack` each: CA, ASR, wall time), then
# strip_text_guard_seeds.py over all of them (split seeds outer; one JSON per model and seed, so
# what finished is kept), then the rule (strip_text_guard_seeds_rule.py).
#   bash benchmarks/strip_text_guard_seeds_runs.sh WORK OUTDIR "SEEDS" "SPLIT_SEEDS" CONFIDENCE
set -u
REPO=$(cd "$(dirname "$0")/.." && pwd)
WORK=$1; OUT=$2; SEEDS=$3; SPLITS=$4; CONF=$5
mkdir -p "$WORK" "$OUT/splits"
export PYTHONPATH=$REPO/src OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
PY=${PYTHON:-python}
# shellcheck source=benchmarks/_train_textcnn.sh
. "$REPO/benchmarks/_train_textcnn.sh"
RUNS=()
for s in $SEEDS; do
  for a in badnl addsent; do
    train_textcnn "$WORK" "$OUT" $a "$s" || continue
    RUNS+=("$WORK/$a-$s")
  done
done
# shellcheck disable=SC2086
nice -n 10 "$PY" "$REPO/benchmarks/strip_text_guard_seeds.py" "${RUNS[@]}" --seeds $SPLITS \
  --confidence "$CONF" --out "$OUT/splits" | tee -a "$OUT/splits.log"
"$PY" "$REPO/benchmarks/strip_text_guard_seeds_rule.py" "$OUT"/splits/seed*.json \
  --expect $((2 * $(echo $SEEDS | wc -w))) --json "$OUT/rule.json"
echo done
