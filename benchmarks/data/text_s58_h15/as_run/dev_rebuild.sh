#!/bin/bash
# development rebuild of a spent MiniLM addsent seed (stop 58, h15), then today's strip-text and
# the $WIN span readings on split seed 0 in one process (triggered, guard, first 120 held-out clean)
set -u
cd /work/wth15
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
S=$1; T=$2; WIN=$3; W=/tmp/h15s58/dev/minilm; OUT=/tmp/h15s58/devout; n=addsent-$S
log() { echo "$* $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" >> $OUT/walls.txt; }
if [ ! -d $W/$n ]; then
  log "start fine-tune $n"; t0=$(date +%s)
  nice -n 5 /work/main/.venv/bin/python -m trojanscope -q attack --dataset $W/rt-polarity-2500.csv --arch minilm --attack addsent \
    --target $T --seed $S --lr 1e-4 --epochs 2 --arch-param max_len=40 --out $W/$n --format json --no-export > $OUT/minilm-$n.json || { log "fine-tune $n failed"; exit 1; }
  log "fine-tune $n wall_s $(( $(date +%s) - t0 ))"
fi
nice -n 5 /work/main/.venv/bin/python benchmarks/span_text_dump.py $W/$n --seeds 0 --windows $WIN --sets trig guard --json $OUT/dumpTG_both_${WIN/:/-}_$n.json
log "done both trig guard $WIN $n"
nice -n 5 /work/main/.venv/bin/python benchmarks/span_text_dump.py $W/$n --seeds 0 --windows $WIN --sets neg --first 120 --json $OUT/dumpN_both_${WIN/:/-}_$n.json
log "done both neg $WIN $n"
