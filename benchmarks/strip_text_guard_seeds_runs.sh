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
RUNS=()
for s in $SEEDS; do
  for a in badnl addsent; do
    if [ ! -d "$WORK/$a-$s" ]; then
      t0=$(date +%s.%N)
      nice -n 10 "$PY" -m trojanscope -q attack --dataset rt-polarity --arch textcnn --attack $a \
        --target 1 --seed "$s" --out "$WORK/$a-$s" --format json --no-export \
        > "$OUT/textcnn-$a-$s.json" || { echo "$a-$s failed" >&2; continue; }
      echo "textcnn-$a-$s wall_s $(echo "$(date +%s.%N) - $t0" | bc) load $(cut -d' ' -f1 /proc/loadavg) at $(date -u +%H:%M:%S)" | tee -a "$OUT/walls.txt"
    fi
    RUNS+=("$WORK/$a-$s")
  done
done
# shellcheck disable=SC2086
nice -n 10 "$PY" "$REPO/benchmarks/strip_text_guard_seeds.py" "${RUNS[@]}" --seeds $SPLITS \
  --confidence "$CONF" --out "$OUT/splits" | tee -a "$OUT/splits.log"
"$PY" "$REPO/benchmarks/strip_text_guard_seeds_rule.py" "$OUT"/splits/seed*.json \
  --expect $((2 * $(echo $SEEDS | wc -w))) --json "$OUT/rule.json"
echo done
