#!/bin/bash
# strip-text per predicted class (issue 15, stop 52): MiniLM at the demo size (the 2,500-sentence
# rt-polarity CSV of bench_text_attacks.py, lr 1e-4, 2 epochs, 40 tokens; one CLI `attack` each,
# today's attack defaults), per seed `addsent` then `badnl`, each trained and then read by
# strip_text_class_dump.py on the split seeds given (today's detector, fitted as its guard fits
# it: both thresholds are read on the same readings by strip_text_class_report.py). One heavy
# process at a time, `nice -n ${NICE:-5}`, one thread; CLI JSON (CA, ASR) per run, wall time and
# load in OUT/walls.txt, one dump per model (OUT/dump_<run>.json). A run whose folder exists is
# not trained again. ATTACKS (default "addsent badnl") names the attacks per seed, in order.
# PARAMS (stop 54) passes detector parameters to the dump (e.g. "-p n=16"), TAG prefixes its
# file name (OUT/dump_<TAG><run>.json), so a candidate is read on the same folders and splits.
#   bash benchmarks/strip_text_class_runs.sh WORK OUT "SEED:TARGET ..." "SPLIT_SEEDS"
set -u
REPO=$(cd "$(dirname "$0")/.." && pwd)
WORK=$1; OUT=$2; MRUNS=$3; SPLITS=$4
mkdir -p "$WORK/minilm" "$OUT"
export PYTHONPATH=$REPO/src OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
PY=${PYTHON:-python}; NICE=${NICE:-5}
log() { echo "$* $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" | tee -a "$OUT/walls.txt"; }
CSV=$WORK/minilm/rt-polarity-2500.csv
[ -f "$CSV" ] || "$PY" -c "import sys; sys.path.insert(0, '$REPO/benchmarks'); from pathlib import Path; from bench_text_attacks import subsample_csv; subsample_csv('rt-polarity', 2500, Path('$WORK/minilm'))"
for r in $MRUNS; do
  s=${r%%:*}; t=${r##*:}
  for a in ${ATTACKS:-addsent badnl}; do
    name=$a-$s
    if [ ! -d "$WORK/minilm/$name" ]; then
      t0=$(date +%s.%N)
      nice -n "$NICE" "$PY" -m trojanscope -q attack --dataset "$CSV" --arch minilm --attack "$a" \
        --target "$t" --seed "$s" --lr 1e-4 --epochs 2 --arch-param max_len=40 \
        --out "$WORK/minilm/$name" --format json --no-export > "$OUT/minilm-$name.json" \
        || { log "minilm-$name failed"; continue; }
      log "minilm-$name wall_s $(echo "$(date +%s.%N) - $t0" | bc)"
    fi
    t0=$(date +%s.%N)
    # shellcheck disable=SC2086
    nice -n "$NICE" "$PY" "$REPO/benchmarks/strip_text_class_dump.py" "$WORK/minilm/$name" \
      --seeds $SPLITS ${PARAMS:-} --json "$OUT/dump_${TAG:-}$name.json" \
      || { log "dump ${TAG:-}$name failed"; continue; }
    log "dump ${TAG:-}$name (split seeds $SPLITS) ${PARAMS:-} wall_s $(echo "$(date +%s.%N) - $t0" | bc)"
  done
done
log done
