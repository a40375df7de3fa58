#!/bin/bash
# stop 66 (issue 15, h15; plan.md committed before any model existed): one shared queue of the
# fine-tunes and the readings, three lanes, one heavy process per lane (so at most three).
# Fine-tunes at stop 62-65's recipe: the 2,500-sentence rt-polarity CSV rebuilt in
# /tmp/h15s66/minilm (md5 checked: a different one stops here), lr 1e-4, 2 epochs, max_len 40,
# one CLI process per model, one thread, nice 5. Readings: span_text_dump.py --part both
# (5:1 windows, 64 at most), split seed 0, each saving every 10 inputs (span_text_runs.sh). A
# lane takes the next piece in the plan's order whose model is built (its CLI JSON written).
# Every fine-tune and reader cut at CUT_AT (03:50 UTC).
#   [CUT_AT=HH:MM] bash queue.sh
cd /work/wt/h15 || exit 1
W=/tmp/h15s66; M=$W/minilm; O=benchmarks/data/text_s66_h15; Q=$W/queue
mkdir -p $M $Q/claimed
CUT=$(date -u -d "${CUT_AT:-03:50}" +%s)
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
export PYTHON=/work/main/.venv/bin/python WINDOWS=5:1 MAXSPANS=64
PY=$PYTHON; CSV=$M/rt-polarity-2500.csv
log() { echo "$* $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" | tee -a $O/walls.txt; }
left() { echo $((CUT - $(date +%s))); }
[ "$(left)" -gt 0 ] || { log "cut $CUT_AT already past: stop"; exit 1; }
[ -f $CSV ] || $PY -c "from pathlib import Path; from bench_text_attacks import subsample_csv; subsample_csv('rt-polarity', 2500, Path('$M'))"
md5=$(md5sum $CSV | cut -d' ' -f1); log "csv md5 $md5"
[ "$md5" = f0561a347be44d594a2934d74c1c30dc ] || { log "csv md5 differs: stop"; exit 1; }
built() { [ -s "$O/minilm-addsent-$1.json" ] && [ -d "$M/addsent-$1" ]; }
fit() {  # NAME CLI-ARGS...: one timed fine-tune (CLI JSON kept), cut at CUT
  local name=$1 t0; shift; t0=$(date +%s.%N); log "minilm-$name start"
  timeout --signal=TERM "$(left)" nice -n 5 $PY -m trojanscope -q "$@" --dataset $CSV \
    --arch minilm --lr 1e-4 --epochs 2 --arch-param max_len=40 --out $M/$name --format json \
    --no-export > $O/minilm-$name.json || { log "minilm-$name failed or cut"; return; }
  log "minilm-$name wall_s $(echo "$(date +%s.%N) - $t0" | bc)"; }
JOBS=("fit addsent-3207 attack --attack addsent --target 0 --seed 3207"
  "fit addsent-3208 attack --attack addsent --target 0 --seed 3208"
  "fit clean-3207 train --seed 3207"
  "3207 guard --first 125" "3208 guard --first 125"
  "fit addsent-3209 attack --attack addsent --target 0 --seed 3209"
  "fit clean-3208 train --seed 3208"
  "3207 trig" "3208 trig" "3207 guard --start 125" "3208 guard --start 125"
  "3207 neg --first 40" "3208 neg --first 40" "3207 neg --start 40 --first 40"
  "3208 neg --start 40 --first 40" "3207 neg --start 80 --first 40" "3208 neg --start 80 --first 40"
  "3209 guard --first 125" "3209 trig" "3209 guard --start 125"
  "3209 neg --first 40" "3209 neg --start 40 --first 40" "3209 neg --start 80 --first 40"
  "3207 neg --start 120 --first 65" "3208 neg --start 120 --first 65"
  "3209 neg --start 120 --first 65"
  "3207 neg --start 185" "3208 neg --start 185" "3209 neg --start 185")
claim() {  # under the lock, the next free piece (a fine-tune, or a reading of a built model)
  local i; exec 9> $Q/lock; flock 9
  for i in "${!JOBS[@]}"; do
    set -- ${JOBS[$i]}
    { [ "$1" = fit ] || built "$1"; } && mkdir $Q/claimed/$i 2>/dev/null && { echo "$i"; break; }
  done
  flock -u 9; exec 9>&-; }
lane() {  # N: one lane, piece after piece
  local n=$1 i s
  while [ "$(left)" -gt 60 ] && [ "$(ls $Q/claimed | wc -l)" -lt ${#JOBS[@]} ]; do
    i=$(claim); [ -n "$i" ] || { sleep 20; continue; }
    set -- ${JOBS[$i]}; s=$1; shift
    echo "lane $n piece $i: $s $* $(date -u +%H:%M:%S)" >> $O/walls.txt
    if [ "$s" = fit ]; then fit "$@"; continue; fi
    JOBS="both $*" timeout --signal=TERM "$(left)" bash benchmarks/span_text_runs.sh $W $O "$s:0:addsent" "0"
  done; }
log "queue start"
lane 1 & sleep 2; lane 2 & sleep 2; lane 3 & wait
log "queue end"
