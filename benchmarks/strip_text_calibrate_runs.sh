#!/bin/bash
# strip-text's guard threshold (issue 15, stop 49): the fresh runs of the rule, one heavy process
# at a time, each model scored on its own (a JSON file each, so what finished is kept). MiniLM
# at the demo size (the 2,500-sentence rt-polarity CSV of bench_text_attacks.py, lr 1e-4, 2
# epochs, 40 tokens; one CLI `attack` each, as stop 48's h15b: CA, ASR, wall time) and the
# README's TextCNN setting (rt-polarity, target 1); scoring by strip_text_calibrate_rule.py
# (today's default and the candidate, same split and seed).
#   bash benchmarks/strip_text_calibrate_runs.sh WORK OUTDIR "SEED:TARGET ..." "TEXTCNN_SEEDS" CAND...
set -u
REPO=$(cd "$(dirname "$0")/.." && pwd)
WORK=$1; OUT=$2; MRUNS=$3; TSEEDS=$4; shift 4
CAND=(); for c in "$@"; do CAND+=(--candidate "$c"); done
mkdir -p "$WORK/minilm" "$WORK/textcnn" "$OUT"
export PYTHONPATH=$REPO/src OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
PY=${PYTHON:-python}
SCORED=()
score() {  # name, folder, settings...: the scoring of one folder with the settings named
  local name=$1 folder=$2; shift 2
  nice -n 5 "$PY" "$REPO/benchmarks/strip_text_calibrate_rule.py" score "$folder" "${CAND[@]}" \
    --only "$@" --json "$OUT/inputs_$name.json" > /dev/null && SCORED+=("$OUT/inputs_$name.json")
  echo "scored $name ($*) $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" | tee -a "$OUT/walls.txt"
}
run() {  # name, args...: a timed CLI run; its JSON output (CA, ASR) and wall time kept
  local name=$1; shift
  local t0; t0=$(date +%s.%N)
  nice -n 5 "$PY" -m trojanscope -q "$@" --format json --no-export > "$OUT/$name.json" \
    || { echo "$name failed" >&2; return 1; }
  echo "$name wall_s $(echo "$(date +%s.%N) - $t0" | bc) load $(cut -d' ' -f1 /proc/loadavg)" | tee -a "$OUT/walls.txt"
}
CSV=$WORK/minilm/rt-polarity-2500.csv
[ -f "$CSV" ] || "$PY" -c "import sys; sys.path.insert(0, '$REPO/benchmarks'); from pathlib import Path; from bench_text_attacks import subsample_csv; subsample_csv('rt-polarity', 2500, Path('$WORK/minilm'))"
# the rule's runs first: each MiniLM model trained then scored with the candidate; then the
# TextCNNs (both settings: the rule compares them); then each MiniLM model's default; the rule
# is read from every candidate row written (strip_text_calibrate_rule.py rule, run by hand
# too when the queue is stopped for time)
textcnns() {  # the TextCNN seeds given, both settings scored (the rule compares them)
  for ts in $TSEEDS; do
    for a in badnl addsent; do
      [ -d "$WORK/textcnn/$a-$ts" ] || run "textcnn-$a-$ts" attack --dataset rt-polarity \
        --arch textcnn --attack $a --target 1 --seed "$ts" --out "$WORK/textcnn/$a-$ts"
      score "textcnn_$a-$ts" "$WORK/textcnn/$a-$ts" candidate default
    done
  done
  TSEEDS=""  # the TextCNNs once
}
# TEXTCNN_FIRST=1: the (fast) TextCNNs before any MiniLM model
[ -n "${TEXTCNN_FIRST:-}" ] && textcnns
MINI=()
for run in $MRUNS; do
  s=${run%%:*}; t=${run##*:}
  for a in addsent badnl; do
    [ -d "$WORK/minilm/$a-$s" ] || run "minilm-$a-$s" attack --dataset "$CSV" --arch minilm \
      --attack $a --target "$t" --seed "$s" --lr 1e-4 --epochs 2 --arch-param max_len=40 \
      --out "$WORK/minilm/$a-$s"
    # MINILM_BOTH=1: today's default scored right after the candidate (a whole row per model)
    score "minilm_$a-$s" "$WORK/minilm/$a-$s" candidate ${MINILM_BOTH:+default}
    [ -n "${MINILM_BOTH:-}" ] || MINI+=("$a-$s")
  done
  textcnns  # after the first MiniLM seed, unless run first
  for m in "${MINI[@]}"; do score "minilm_default_$m" "$WORK/minilm/$m" default; done
  MINI=()
done
"$PY" "$REPO/benchmarks/strip_text_calibrate_rule.py" rule "${SCORED[@]}" --no-worse textcnn \
  ${GUARD_VS_DEFAULT:+--guard-vs-default "$GUARD_VS_DEFAULT"} --json "$OUT/rule.json"
echo done
