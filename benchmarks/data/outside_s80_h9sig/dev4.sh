#!/bin/bash
# Issue 9, stop 80 (h9sig): dev3.sh's loop stopped at 15:09 (its build in flight, 9220
# gap_leaky_bn-cl01, WAIT, left to finish and read here). Three fresh gap_leaky_bn clean builds
# of spent seeds had been dropped at CA (9221, 9218 cl00; fresh-then 9224 cl01), so the kind sat
# at 7 spent clean heads and res_gn at 6: this takes leaky clean heads earlier stops kept
# (9204 cl00, 9202 cl00: truth files outside_s62 / outside_s60, never read with the probe) and
# res_gn's next two, interleaved, until DEV_CUT. Same build and reading as dev.sh.
# At 15:19 (9220 gap_leaky_bn-cl01 kept: the kind at 8) its loop was stopped in turn (its
# reading in flight left to finish) and started again with ITEMS="9220:res_gn-cl00
# 9221:res_gn-cl00" (res_gn at 6: two cheap heads to its 8 before DEV_CUT).
#   [ITEMS="SEED:NAME ..."] WAIT=PID bash benchmarks/data/outside_s80_h9sig/dev4.sh DEV_CUT
set -u
DEV_CUT=$1
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=$PWD/src:$PWD/benchmarks
PY=${PY:-/work/main/.venv/bin/python}
TOOL="$(dirname "$PY")/trojanscope"
DEV=${DEV:-/tmp/h9sig80/dev}
FREQS=2,3,4,5,6,7,8,9,10,11,12
left() { echo $(( $(date -u -d "$1" +%s) - $(date -u +%s) )); }
while [ -n "${WAIT:-}" ] && kill -0 "$WAIT" 2>/dev/null; do sleep 5; done
ITEMS=${ITEMS:-"9220:gap_leaky_bn-cl01 9204:gap_leaky_bn-cl00 9220:res_gn-cl00 9202:gap_leaky_bn-cl00 9221:res_gn-cl00"}
for it in $ITEMS; do
  [ "$(left "$DEV_CUT")" -gt 0 ] || break
  seed=${it%%:*}; n=${it#*:}; Z="$DEV/zoo-$seed"
  grep -q "\"$n\"" "$DEV/detect_zoo-$seed.jsonl" 2>/dev/null && continue
  /usr/bin/time -f "%e s wall %U user %S sys" nice -n 5 \
      "$PY" benchmarks/outside_zoo.py --seed "$seed" --out "$Z" --per-family 15 \
      --names "$n" --ca-retry --tries 3 --sig-freqs "$FREQS" >> "$DEV/build_zoo-$seed.log" 2>&1
  nice -n 5 "$PY" benchmarks/outside_zoo_score.py "$Z" --out "$DEV/detect_zoo-$seed.jsonl" \
      --trojanscope "$TOOL" --detect-option=-p --detect-option=blend=true --detect-option=-p \
      --detect-option=sig_probe=true --max 1 >> "$DEV/score_zoo-$seed.log" 2>&1
  echo "$(date -u +%T) $seed $n" >> "$DEV/dev.log"
done
echo "$(date -u +%T) dev4 done" >> "$DEV/dev.log"
