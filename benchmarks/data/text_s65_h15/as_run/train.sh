#!/bin/bash
# stop 65 (issue 15, h15; plan.md committed before any model existed): the four fresh MiniLM
# fine-tunes at stop 62-64's recipe: the 2,500-sentence rt-polarity CSV rebuilt in
# /tmp/h15s65/minilm (md5 checked: a different one stops here), lr 1e-4, 2 epochs, max_len 40,
# one CLI process per model, one thread, nice 5: addsent-3205 and addsent-3206 (both target 0)
# and clean-3205 (`train`, the twin) at once, clean-3206 when the first of them ends.
# CLI JSON per model and wall times (with load) in OUT.
cd /work/wt/h15 || exit 1
W=/tmp/h15s65/minilm; O=benchmarks/data/text_s65_h15; mkdir -p $W
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
PY=/work/main/.venv/bin/python; CSV=$W/rt-polarity-2500.csv
log() { echo "$* $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" | tee -a $O/walls.txt; }
[ -f $CSV ] || $PY -c "from pathlib import Path; from bench_text_attacks import subsample_csv; subsample_csv('rt-polarity', 2500, Path('$W'))"
md5=$(md5sum $CSV | cut -d' ' -f1); log "csv md5 $md5"
[ "$md5" = f0561a347be44d594a2934d74c1c30dc ] || { log "csv md5 differs: stop"; exit 1; }
fit() {  # NAME CLI-ARGS...: one timed fine-tune (CLI JSON kept)
  local name=$1 t0; shift; t0=$(date +%s.%N); log "minilm-$name start"
  nice -n 5 $PY -m trojanscope -q "$@" --dataset $CSV --arch minilm --lr 1e-4 --epochs 2 \
    --arch-param max_len=40 --out $W/$name --format json --no-export > $O/minilm-$name.json \
    || { log "minilm-$name failed"; return; }
  log "minilm-$name wall_s $(echo "$(date +%s.%N) - $t0" | bc)"; }
fit addsent-3205 attack --attack addsent --target 0 --seed 3205 &
fit addsent-3206 attack --attack addsent --target 0 --seed 3206 &
fit clean-3205 train --seed 3205 &
wait -n; fit clean-3206 train --seed 3206 &
wait; log "train done"
