#!/bin/bash
# Issue 9, stop 80 (h9sig): development heads on spent outside seeds (<= 9223) of the two GAP
# kinds that hold no SIG bar today (`res_gn`, `gap_leaky_bn`): the seven SIG models 9223's plan
# holds on them (never built at stop 79) and clean heads of seeds 9216-9223 not in stop 79's dev
# rows, so each kind has >= 8 clean heads with any one seed held out. Each is built by the
# outside maker (the fresh recipe: --sig-freqs 2,...,12) into $DEV/zoo-SEED and read at once by
# `detect -p blend=true -p sig_probe=true` (read.sh's reading), SIG and clean interleaved.
#   bash benchmarks/data/outside_s80_h9sig/dev.sh
set -u
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=$PWD/src:$PWD/benchmarks
PY=${PY:-/work/main/.venv/bin/python}
TOOL="$(dirname "$PY")/trojanscope"
DEV=${DEV:-/tmp/h9sig80/dev}
FREQS=2,3,4,5,6,7,8,9,10,11,12
mkdir -p "$DEV"
ITEMS="9223:res_gn-bd00 9216:res_gn-cl00 9223:gap_leaky_bn-bd03 9221:gap_leaky_bn-cl00"
ITEMS+=" 9223:res_gn-bd08 9217:res_gn-cl00 9223:gap_leaky_bn-bd07 9218:res_gn-cl00"
ITEMS+=" 9223:res_gn-bd04 9218:gap_leaky_bn-cl00 9223:gap_leaky_bn-bd11 9219:res_gn-cl00"
ITEMS+=" 9223:res_gn-bd12 9220:gap_leaky_bn-cl01 9220:res_gn-cl00 9221:res_gn-cl00"
ITEMS+=" 9222:res_gn-cl01 9223:res_gn-cl01"
for it in $ITEMS; do
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
echo "$(date -u +%T) dev done" >> "$DEV/dev.log"
