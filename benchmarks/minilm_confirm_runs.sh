#!/bin/bash
# MiniLM at the demo size on fresh seeds with today's defaults (issue 15, stop 50): per seed a
# clean fine-tune, then `badnl` and `addsent`, each scored by `strip-text` with no parameter
# right after it is trained; then `syntactic` per seed (attack figures only) while the last
# fine-tune's wall time says it (and its scoring) ends before DEADLINE (epoch seconds, optional). One heavy
# process at a time, `nice -n ${NICE:-10}`, one thread; the CLI JSON (CA, ASR) and each wall time
# and load kept in OUT (walls.txt), one JSON per scored model (inputs_*.json).
# A seed may name its runs and their order (SEED:TARGET:RUN,RUN,...; default
# clean,badnl,addsent); a run is started only while the last fine-tune's wall time says it ends
# in time.
#   bash benchmarks/minilm_confirm_runs.sh WORK OUT "SEED:TARGET[:RUNS] ..."
set -u
REPO=$(cd "$(dirname "$0")/.." && pwd)
WORK=$1; OUT=$2; MRUNS=$3
mkdir -p "$WORK/minilm" "$OUT"
export PYTHONPATH=$REPO/src OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
PY=${PYTHON:-python}; NICE=${NICE:-10}
LAST=${LAST0:-0}  # the last fine-tune's wall seconds (LAST0: one timed before this queue)
log() { echo "$* $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" | tee -a "$OUT/walls.txt"; }
run() {  # name, CLI args...: a timed CLI run (its JSON kept), skipped when its folder exists
  local name=$1; shift
  [ -d "$WORK/minilm/$name" ] && return 0
  local t0; t0=$(date +%s.%N)
  nice -n "$NICE" "$PY" -m trojanscope -q "$@" --dataset "$CSV" --arch minilm --lr 1e-4 \
    --epochs 2 --arch-param max_len=40 --out "$WORK/minilm/$name" --format json --no-export \
    > "$OUT/minilm-$name.json" || { log "$name failed"; return 1; }
  LAST=$(echo "$(date +%s.%N) - $t0" | bc)
  log "minilm-$name wall_s $LAST"
}
score() {  # name: strip-text with today's defaults on that folder
  nice -n "$NICE" "$PY" "$REPO/benchmarks/strip_text_calibrate_rule.py" score \
    "$WORK/minilm/$1" --only default --json "$OUT/inputs_minilm_$1.json" > /dev/null \
    && log "scored minilm_$1 (default)"
}
in_time() {  # name, factor: whether the last fine-tune's wall time times factor ends in time
  [ -z "${DEADLINE:-}" ] && return 0
  [ "$(echo "$(date +%s) + $LAST * $2 < $DEADLINE" | bc)" = 1 ] || { log "skipped $1 (time)"; return 1; }
}
CSV=$WORK/minilm/rt-polarity-2500.csv
[ -f "$CSV" ] || "$PY" -c "import sys; sys.path.insert(0, '$REPO/benchmarks'); from pathlib import Path; from bench_text_attacks import subsample_csv; subsample_csv('rt-polarity', 2500, Path('$WORK/minilm'))"
for r in $MRUNS; do
  IFS=: read -r s t runs <<< "$r"; runs=${runs:-clean,badnl,addsent}
  for a in ${runs//,/ }; do
    if [ "$a" = clean ]; then
      in_time "clean-$s" 1.2 && run "clean-$s" train --seed "$s"
    else
      in_time "$a-$s" 2.2 || continue  # fine-tune and scoring
      run "$a-$s" attack --attack "$a" --target "$t" --seed "$s" && score "$a-$s"
    fi
  done
done
for r in $MRUNS; do
  IFS=: read -r s t _ <<< "$r"
  in_time "syntactic-$s" 1.2 && run "syntactic-$s" attack --attack syntactic --target "$t" --seed "$s"
done
log done
