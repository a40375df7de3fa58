#!/bin/bash
# span occlusion on fresh MiniLM (issue 15, stop 56, h15): per seed, `addsent` (or the attack
# named, stop 60) trained at the
# demo size (the 2,500-sentence rt-polarity CSV of bench_text_attacks.py, lr 1e-4, 2 epochs,
# 40 tokens; one CLI `attack`, today's attack defaults), then read by span_text_dump.py on the
# split seeds given (today's strip-text and the span readings on the same split). The seeds run
# side by side (one process each, `nice -n ${NICE:-5}`, one thread), each trained then read;
# CLI JSON (CA, ASR) per run, wall time and load in OUT/walls.txt, one dump per reader, side by
# side on the same split (OUT/dump_<part>_<sets>_<run>.json; span_text_report.py merges them).
# A run whose folder exists is not trained again; with WAIT set, a run whose CLI JSON exists
# but is empty (a fine-tune of an earlier queue still running) is waited for, not retrained. WINDOWS: the WIDTH:STRIDE windows
# read (default "2:2"), MAXSPANS: windows per input at most (default 64). JOBS=none: train only.
#   bash benchmarks/span_text_runs.sh WORK OUT "SEED:TARGET ..." "SPLIT_SEEDS"
set -u
REPO=$(cd "$(dirname "$0")/.." && pwd)
WORK=$1; OUT=$2; MRUNS=$3; SPLITS=$4
mkdir -p "$WORK/minilm" "$OUT"
export PYTHONPATH=$REPO/src:$REPO/benchmarks OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
PY=${PYTHON:-python}; NICE=${NICE:-5}
log() { echo "$* $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" | tee -a "$OUT/walls.txt"; }
CSV=$WORK/minilm/rt-polarity-2500.csv
[ -f "$CSV" ] || "$PY" -c "from pathlib import Path; from bench_text_attacks import subsample_csv; subsample_csv('rt-polarity', 2500, Path('$WORK/minilm'))"
one() {  # SEED:TARGET[:ATTACK] (attack addsent unless given; stop 60: badnl)
  local s t a name t0
  IFS=: read -r s t a <<< "$1"; a=${a:-addsent}; name=$a-$s
  if [ ! -d "$WORK/minilm/$name" ] && [ -f "$OUT/minilm-$name.json" ] && [ -n "${WAIT:-}" ]; then
    # a fine-tune started by an earlier queue still runs: wait for its JSON, read its wall
    until [ -s "$OUT/minilm-$name.json" ]; do sleep 15; done
    log "minilm-$name wall_s $("$PY" -c "import json,sys; print(json.load(open(sys.argv[1]))['timings']['total_s'])" "$OUT/minilm-$name.json") (its own timings.total_s)"
  fi
  if [ ! -d "$WORK/minilm/$name" ]; then
    t0=$(date +%s.%N)
    nice -n "$NICE" "$PY" -m trojanscope -q attack --dataset "$CSV" --arch minilm --attack "$a" \
      --target "$t" --seed "$s" --lr 1e-4 --epochs 2 --arch-param max_len=40 \
      --out "$WORK/minilm/$name" --format json --no-export > "$OUT/minilm-$name.json" \
      || { log "minilm-$name failed"; return; }
    log "minilm-$name wall_s $(echo "$(date +%s.%N) - $t0" | bc)"
  fi
  [ "${JOBS:-}" = none ] && return  # JOBS=none: fine-tune only (stop 60's queue reads later)
  # readers side by side on the same split and partner draw (JOBS: "PART SET..." per reader,
  # comma-separated; default one per part and set; dump options may follow the sets, e.g.
  # "span neg --first 120", stop 58): today's strip-text and the span readings
  IFS=, read -ra jobs <<< "${JOBS:-strip guard,strip neg,strip trig,span guard,span neg,span trig}"
  for job in "${jobs[@]}"; do
    set -- $job; part=$1; shift; tag=${part}_$(echo "$*" | tr ' ' '-')
    (t0=$(date +%s.%N)
     # shellcheck disable=SC2086
     nice -n "$NICE" "$PY" "$REPO/benchmarks/span_text_dump.py" "$WORK/minilm/$name" \
       --seeds $SPLITS --windows ${WINDOWS:-2:2} --max-spans "${MAXSPANS:-64}" --part "$part" \
       --sets "$@" --json "$OUT/dump_${tag}_$name.json" || { log "dump $tag $name failed"; exit; }
     log "dump $tag $name (split seeds $SPLITS) wall_s $(echo "$(date +%s.%N) - $t0" | bc)") &
  done
  wait
}
for r in $MRUNS; do one "$r" & done
wait
log done
