#!/bin/bash
# strip-text's mixture length as a default (issue 15, stop 48): the fresh runs of the rule, one
# process at a time. MiniLM at the demo size (the 2,500-sentence rt-polarity CSV of
# bench_text_attacks.py, lr 1e-4, 2 epochs, 40 tokens), then the README's TextCNN setting
# (rt-polarity, `badnl` and docs/text.md's `addsent`, target 1) on the seeds given; each run's
# CLI JSON (CA, ASR) and wall seconds kept; then the paired scoring of
# strip_text_mix_default.py (default cut vs twice the input length) on the MiniLM folders, then
# on the TextCNN ones.
#   bash benchmarks/strip_text_mix_default_runs.sh WORK OUTDIR "MINILM_SEEDS" "TEXTCNN_SEEDS"
set -u
REPO=$(cd "$(dirname "$0")/.." && pwd)
WORK=$1; OUT=$2; MSEEDS=$3; TSEEDS=$4
mkdir -p "$WORK/minilm" "$WORK/textcnn" "$OUT"
export PYTHONPATH=$REPO/src OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
PY=${PYTHON:-python}
run() {  # name, args...: a timed CLI run; its JSON output and wall time kept
  local name=$1; shift
  local t0; t0=$(date +%s.%N)
  nice -n 5 "$PY" -m trojanscope -q "$@" --format json --no-export > "$OUT/$name.json" \
    || { echo "$name failed" >&2; return 1; }
  echo "$name wall_s $(echo "$(date +%s.%N) - $t0" | bc) load $(cut -d' ' -f1 /proc/loadavg)" | tee -a "$OUT/walls.txt"
}
CSV=$WORK/minilm/rt-polarity-2500.csv
[ -f "$CSV" ] || "$PY" -c "import sys; sys.path.insert(0, '$REPO/benchmarks'); from pathlib import Path; from bench_text_attacks import subsample_csv; subsample_csv('rt-polarity', 2500, Path('$WORK/minilm'))"
M=()
for s in $MSEEDS; do
  for a in badnl addsent; do
    [ -d "$WORK/minilm/$a-$s" ] || run "minilm-$a-$s" attack --dataset "$CSV" --arch minilm --attack $a --target 1 --seed "$s" --lr 1e-4 --epochs 2 --arch-param max_len=40 --out "$WORK/minilm/$a-$s"
    M+=("$WORK/minilm/$a-$s")
  done
done
[ ${#M[@]} -gt 0 ] && nice -n 5 "$PY" "$REPO/benchmarks/strip_text_mix_default.py" "${M[@]}" --json "$OUT/inputs_minilm.json" > /dev/null
T=()
for s in $TSEEDS; do
  for a in badnl addsent; do
    [ -d "$WORK/textcnn/$a-$s" ] || run "textcnn-$a-$s" attack --dataset rt-polarity --arch textcnn --attack $a --target 1 --seed "$s" --out "$WORK/textcnn/$a-$s"
    T+=("$WORK/textcnn/$a-$s")
  done
done
[ ${#T[@]} -gt 0 ] && nice -n 5 "$PY" "$REPO/benchmarks/strip_text_mix_default.py" "${T[@]}" --no-worse textcnn --json "$OUT/inputs_textcnn.json" > /dev/null
echo done
