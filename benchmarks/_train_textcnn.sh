# Sourced by the strip-text guard run scripts (issue 15, stops 50-51): train_textcnn WORK OUT
# ATTACK SEED trains one TextCNN in the README setting (rt-polarity, target 1; one CLI `attack`:
# CA, ASR in OUT/textcnn-ATTACK-SEED.json, wall time in OUT/walls.txt) unless WORK/ATTACK-SEED
# exists; returns 1 when the run fails. Needs PY (the python) and the caller's environment.
train_textcnn() {
  local work=$1 out=$2 a=$3 s=$4 t0
  [ -d "$work/$a-$s" ] && return 0
  t0=$(date +%s.%N)
  nice -n 10 "$PY" -m trojanscope -q attack --dataset rt-polarity --arch textcnn --attack "$a" \
    --target 1 --seed "$s" --out "$work/$a-$s" --format json --no-export \
    > "$out/textcnn-$a-$s.json" || { echo "$a-$s failed" >&2; return 1; }
  echo "textcnn-$a-$s wall_s $(echo "$(date +%s.%N) - $t0" | bc) load $(cut -d' ' -f1 /proc/loadavg) at $(date -u +%H:%M:%S)" | tee -a "$out/walls.txt"
}
